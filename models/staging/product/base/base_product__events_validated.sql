{{ config(materialized='view') }}

{#-
    Every row of raw product_events, typed, with the first contract rule it breaks (or null).
    No duplicate ranking here: stg_product__events removes duplicate event_ids within each
    incremental batch, and quarantined_rows counts them over the whole table.
    stg_product__events keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_product__events') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('product', 'product_events', 'raw_rows') }},
        {{ contract_record_text('product', 'product_events', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('product', 'product_events', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('product', 'product_events', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            when typed.quantity < 0 then 'negative_quantity'
            {{ contract_future_check('product', 'product_events', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    select
        {{ contract_column_list('product', 'product_events', 'checked') }},
        checked.record_text,
        checked.rule_broken as quarantine_reason
    from checked

)

select * from final
