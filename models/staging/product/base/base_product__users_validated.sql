{{ config(materialized='view') }}

{#-
    Every row of raw product_users, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_product__users keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_product__users') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('product', 'product_users', 'raw_rows') }},
        {{ contract_record_text('product', 'product_users', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('product', 'product_users', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('product', 'product_users', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            {{ contract_future_check('product', 'product_users', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    {{ label_duplicate_keys('product', 'product_users', 'checked', order_by='checked.created_at desc') }}

)

select * from final
