with

validated as (

    select * from {{ ref('base_crm__survey_responses_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.response_id,
        validated.account_id,
        validated.contact_id,
        validated.survey_type,
        validated.score,
        validated.responded_at
    from validated

)

select * from final
