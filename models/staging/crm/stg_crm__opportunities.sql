with

validated as (

    select * from {{ ref('base_crm__opportunities_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.opportunity_id,
        validated.account_id,
        validated.opportunity_type,
        validated.amount,
        validated.created_at,
        validated.close_date,
        validated.is_closed,
        validated.is_won
    from validated

)

select * from final
