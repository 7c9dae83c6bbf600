{{ config(materialized='view') }}

{#- Every signal's score behind each scored backtest row (long): what each signal said on the
    scoring date before each decided renewal. Calibration learns weights from these rows. -#}

select
    renewal_id,
    lead_days,
    term_class,
    is_longest_lead,
    account_id,
    segment,
    weight_profile,
    renewal_date,
    scoring_date,
    is_churned,
    health_score,
    signal,
    category,
    raw_value,
    signal_score,
    has_data
from {{ ref('int_renewal_backtest_signals') }}
