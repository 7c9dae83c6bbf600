{{ config(materialized='view') }}

{#-
    Every row of raw billing_invoices, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_billing__invoices keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_billing__invoices') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('billing', 'billing_invoices', 'raw_rows') }},
        {{ contract_record_text('billing', 'billing_invoices', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('billing', 'billing_invoices', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('billing', 'billing_invoices', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            when typed.due_at < typed.issued_at then 'due_before_issued'
            {{ contract_future_check('billing', 'billing_invoices', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    {{ label_duplicate_keys('billing', 'billing_invoices', 'checked', order_by='checked.issued_at desc') }}

)

select * from final
