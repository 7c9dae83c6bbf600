{{ config(materialized='view') }}

{#- The signal scores behind every scored backtest row: what each signal said on the scoring
    date before each decided renewal. Calibration learns weights from these rows.
    A view: each reader filters it at once, and writing its millions of rows on every run
    cost more than the join behind it.
-#}

with

backtest as (

    select
        renewal_id,
        account_id,
        segment,
        renewal_date,
        is_churned,
        term_class,
        lead_days,
        is_longest_lead,
        scoring_date,
        weight_profile,
        health_score
    from {{ ref('int_renewal_backtest_scores') }}
    where is_scored

),

signals as (

    select
        account_id,
        as_of_date,
        signal,
        category,
        raw_value,
        signal_score,
        has_data
    from {{ ref('int_account_signals_scored') }}

),

final as (

    select
        backtest.renewal_id,
        backtest.lead_days,
        backtest.term_class,
        backtest.is_longest_lead,
        backtest.account_id,
        backtest.segment,
        backtest.weight_profile,
        backtest.renewal_date,
        backtest.scoring_date,
        backtest.is_churned,
        backtest.health_score,
        signals.signal,
        signals.category,
        signals.raw_value,
        signals.signal_score,
        signals.has_data
    from backtest
    inner join signals
        on backtest.account_id = signals.account_id
        and backtest.scoring_date = signals.as_of_date

)

select * from final
