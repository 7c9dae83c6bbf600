with

validated as (

    select * from {{ ref('base_crm__accounts_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.account_id,
        coalesce(validated.account_name, validated.account_id) as account_name,
        validated.segment,
        validated.industry,
        validated.csm_owner,
        validated.parent_account_id,
        validated.created_at
    from validated

)

select * from final
