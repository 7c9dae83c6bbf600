{{ config(materialized='view') }}

{#-
    Every row of raw crm_accounts, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_crm__accounts keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('crm', 'crm_accounts', 'raw_rows') }},
        {{ contract_record_text('crm', 'crm_accounts', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('crm', 'crm_accounts', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('crm', 'crm_accounts', 'typed') }}
            {{ contract_future_check('crm', 'crm_accounts', 'typed') }}
        end as rule_broken
    from typed

),

final as (

    {{ label_duplicate_keys('crm', 'crm_accounts', 'checked', order_by='checked.created_at desc') }}

)

select * from final
