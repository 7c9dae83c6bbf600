{{ config(enabled=var('healthscore_leakage_baseline', none) is not none) }}

-- Rule (no leakage): a score computed for a past date does not change when rows timestamped
-- after that date arrive. healthscore_leakage_baseline names a copy of account_health_history
-- taken from an earlier run (schema.table); every row of it must reappear unchanged in the
-- current history. tests/test_leakage.py takes the copy at an earlier as-of date, reruns with
-- the later rows, and passes the copy here. Enabled only when the var is set.

{%- set baseline = var('healthscore_leakage_baseline', 'none.none').split('.') %}

with

baseline as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band,
        coverage
    from {{ adapter.quote(baseline[0]) }}.{{ adapter.quote(baseline[1]) }}

),

current_history as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band,
        coverage
    from {{ ref('account_health_history') }}

)

select
    baseline.account_id,
    baseline.as_of_date,
    baseline.health_score as baseline_score,
    current_history.health_score as current_score,
    baseline.health_band as baseline_band,
    current_history.health_band as current_band
from baseline
left join current_history
    on baseline.account_id = current_history.account_id
    and baseline.as_of_date = current_history.as_of_date
where current_history.account_id is null
    or coalesce(baseline.health_score, -1) <> coalesce(current_history.health_score, -1)
    or coalesce(baseline.health_band, '') <> coalesce(current_history.health_band, '')
    or coalesce(baseline.coverage, -1) <> coalesce(current_history.coverage, -1)
