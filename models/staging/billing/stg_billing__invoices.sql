with

validated as (

    select * from {{ ref('base_billing__invoices_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.invoice_id,
        validated.account_id,
        validated.subscription_id,
        validated.amount_due,
        validated.issued_at,
        validated.due_at,
        validated.paid_at,
        validated.status,
        validated.is_disputed
    from validated

)

select * from final
