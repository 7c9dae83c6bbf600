with

validated as (

    select * from {{ ref('base_billing__subscriptions_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.subscription_id,
        validated.account_id,
        validated.plan,
        validated.seats,
        validated.arr,
        validated.start_date,
        validated.end_date,
        validated.canceled_at
    from validated

)

select * from final
