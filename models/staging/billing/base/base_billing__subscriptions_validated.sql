{{ config(materialized='view') }}

{#-
    Every row of raw billing_subscriptions, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_billing__subscriptions keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_billing__subscriptions') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('billing', 'billing_subscriptions', 'raw_rows') }},
        {{ contract_record_text('billing', 'billing_subscriptions', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('billing', 'billing_subscriptions', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('billing', 'billing_subscriptions', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            when typed.end_date < typed.start_date then 'end_date_before_start_date'
            when typed.arr < 0 then 'negative_arr'
            when typed.seats < 0 then 'negative_seats'
            {{ contract_future_check('billing', 'billing_subscriptions', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    {{ label_duplicate_keys('billing', 'billing_subscriptions', 'checked', order_by='checked.start_date desc') }}

)

select * from final
