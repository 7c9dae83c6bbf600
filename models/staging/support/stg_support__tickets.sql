with

validated as (

    select * from {{ ref('base_support__tickets_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.ticket_id,
        validated.account_id,
        validated.priority,
        validated.status,
        validated.created_at,
        validated.first_response_at,
        validated.solved_at,
        validated.csat,
        validated.is_escalated
    from validated

)

select * from final
