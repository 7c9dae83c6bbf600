with

validated as (

    select * from {{ ref('base_crm__contacts_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.contact_id,
        validated.account_id,
        validated.role,
        validated.email,
        validated.created_at,
        validated.left_at
    from validated

)

select * from final
