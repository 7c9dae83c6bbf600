{{ config(materialized='view') }}

{#-
    Every row of raw crm_opportunities, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_crm__opportunities keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_crm__opportunities') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('crm', 'crm_opportunities', 'raw_rows') }},
        {{ contract_record_text('crm', 'crm_opportunities', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('crm', 'crm_opportunities', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('crm', 'crm_opportunities', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            {{ contract_future_check('crm', 'crm_opportunities', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    {{ label_duplicate_keys('crm', 'crm_opportunities', 'checked', order_by='checked.created_at desc') }}

)

select * from final
