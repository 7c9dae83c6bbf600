{{ config(materialized='view') }}

{#-
    Every row of raw crm_account_overrides, typed, with the first contract rule it breaks (or
    null). After the generic rules: unknown_account; expires_on_not_after_starts_on (an override
    in force for no day); no_override_value (neither a band nor a score); unknown_band (not a
    band of the health_bands seed); out_of_range_score (outside 0..100); score_outside_band (a
    score and a band that disagree); future_created_at. Duplicate keys: the latest created_at is
    kept. Bands are compared in lower case. stg_crm__account_overrides keeps the rows with a
    null quarantine_reason.
-#}

with

raw_rows as (

    select * from {{ ref('base_crm__account_overrides') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

bands as (

    select
        health_band,
        min_score,
        max_score
    from {{ ref('health_bands') }}

),

typed as (

    select
        {{ typed_contract_columns('crm', 'crm_account_overrides', 'raw_rows') }},
        {{ contract_record_text('crm', 'crm_account_overrides', 'raw_rows') }} as record_text
    from raw_rows

),

checked as (

    select
        {{ contract_column_list('crm', 'crm_account_overrides', 'typed') }},
        typed.record_text,
        case
            {{ contract_rule_checks('crm', 'crm_account_overrides', 'typed') }}
            when accounts.account_id is null then 'unknown_account'
            when typed.expires_on <= typed.starts_on then 'expires_on_not_after_starts_on'
            when typed.override_band is null and typed.override_score is null then 'no_override_value'
            when typed.override_band is not null and bands.health_band is null then 'unknown_band'
            when typed.override_score < 0 or typed.override_score > 100 then 'out_of_range_score'
            when typed.override_band is not null
                and typed.override_score is not null
                and not ({{ score_in_band('typed.override_score', 'bands') }})
                then 'score_outside_band'
            {{ contract_future_check('crm', 'crm_account_overrides', 'typed') }}
        end as rule_broken
    from typed
    left join accounts
        on typed.account_id = accounts.account_id
    left join bands
        on lower(typed.override_band) = bands.health_band

),

final as (

    {{ label_duplicate_keys('crm', 'crm_account_overrides', 'checked', order_by='checked.created_at desc') }}

)

select * from final
