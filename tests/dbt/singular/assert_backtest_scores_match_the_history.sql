{{ config(meta={'dagster': {'ref': {'name': 'renewal_backtest'}}}) }}

-- Rule: the backtest uses the stored scores, never recomputed ones, and the computed ones: a
-- manual override never enters a backtest. Every scored backtest row must find its history row
-- (same account and scoring date) with the same computed score and band, on the dates published
-- under the current scoring configuration: a date published under an earlier one keeps its
-- published score, while the backtest judges the current configuration (the computed scores,
-- rescored on every date when a scoring seed changes).
select
    backtest.renewal_id,
    backtest.lead_days,
    backtest.health_score as backtest_score,
    history.computed_health_score as history_score
from {{ ref('renewal_backtest') }} as backtest
left join {{ ref('account_health_history') }} as history
    on backtest.account_id = history.account_id
    and backtest.scoring_date = history.as_of_date
where backtest.is_scored
    and (history.account_id is null or history.config_fingerprint = '{{ scoring_config_fingerprint() }}')
    and (
        history.account_id is null
        or history.computed_health_score <> backtest.health_score
        or history.computed_health_band <> backtest.health_band
    )
