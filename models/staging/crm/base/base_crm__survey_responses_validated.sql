{{ config(materialized='view') }}

{#-
    Every row of raw survey_responses, typed, with the first contract rule it breaks (or null).
    Duplicate keys: the first valid row is kept, the others are labelled duplicate_key.
    stg_crm__survey_responses keeps the rows with a null quarantine_reason; quarantined_rows the others.
-#}

with

raw_rows as (

    select * from {{ ref('base_crm__survey_responses') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

typed as (

    select
        {{ typed_contract_columns('crm', 'survey_responses', 'raw_rows') }},
        {{ contract_record_text('crm', 'survey_responses', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('crm', 'survey_responses', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('crm', 'survey_responses', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            when typed.survey_type = 'nps' and (typed.score < 0 or typed.score > 10) then 'out_of_range_score'
            when typed.survey_type = 'csat' and (typed.score < 1 or typed.score > 5) then 'out_of_range_score'
            {{ contract_future_check('crm', 'survey_responses', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id

),

final as (

    {{ label_duplicate_keys('crm', 'survey_responses', 'checked', order_by='checked.responded_at desc') }}

)

select * from final
