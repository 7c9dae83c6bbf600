{#-
    The first day each account shows in the product data: its first event or its first
    provisioned user, whichever comes first. Product signals are missing before it, and windowed
    counts of the first weeks are scaled to the days known since.
-#}

with

event_days as (

    select
        account_id,
        min(activity_date) as first_date
    from {{ ref('int_product_events_rolled_up_to_user_days') }}
    group by account_id

),

users as (

    select
        account_id,
        min(cast(created_at as date)) as first_date
    from {{ ref('stg_product__users') }}
    group by account_id

),

evidence as (

    select
        account_id,
        first_date
    from event_days
    union all
    select
        account_id,
        first_date
    from users

),

final as (

    select
        account_id,
        min(first_date) as first_product_date
    from evidence
    group by account_id

)

select * from final
