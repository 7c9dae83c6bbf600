{{ config(**incremental_by_date()) }}

{#-
    Provisioned product users per account and scoring date: users created on or before the date
    and not deactivated by then. The denominator of seat utilisation, and the seat base where a
    term has no seat count.
-#}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

users as (

    select
        account_id,
        created_at,
        deactivated_at
    from {{ ref('stg_product__users') }}

),

final as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.is_cadence_date,
        count(*) as provisioned_users,
        max(users.created_at) as latest_user_created_at,
        {{ written_by_this_run() }} as dbt_run_started_at
    from account_dates
    inner join users
        on account_dates.account_id = users.account_id
        and cast(users.created_at as date) <= account_dates.as_of_date
        and (users.deactivated_at is null or cast(users.deactivated_at as date) > account_dates.as_of_date)
    group by account_dates.account_id, account_dates.as_of_date, account_dates.is_cadence_date

)

select * from final
