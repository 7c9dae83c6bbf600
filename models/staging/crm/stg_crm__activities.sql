with

validated as (

    select * from {{ ref('base_crm__activities_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.activity_id,
        validated.account_id,
        validated.contact_id,
        validated.activity_type,
        validated.direction,
        validated.outcome,
        validated.sentiment,
        validated.occurred_at,
        validated.logged_at,
        -- When the activity became known to the team: logged_at (defaults to occurred_at, and
        -- is never earlier than it). Point-in-time features use this timestamp.
        case
            when validated.logged_at is null or validated.logged_at < validated.occurred_at
                then validated.occurred_at
            else validated.logged_at
        end as known_at
    from validated

)

select * from final
