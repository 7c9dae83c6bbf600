with

validated as (

    select * from {{ ref('base_product__users_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.user_id,
        validated.account_id,
        validated.created_at,
        validated.deactivated_at
    from validated

)

select * from final
