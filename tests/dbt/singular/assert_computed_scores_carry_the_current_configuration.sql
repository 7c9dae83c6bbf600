{{ config(meta={'dagster': {'ref': {'name': 'int_account_health_scored'}}}) }}

-- Rule: the computed view of every date is the current scoring configuration's. After a scoring
-- seed (or healthscore_min_coverage) changed, the run rescores every date of the scoring chain
-- and the account_signals mart that explains it (macros/scoring/scoring_config_changed.sql), so
-- no row of them carries another config_fingerprint; the published history may.

{%- set fingerprint = scoring_config_fingerprint() %}

{%- set computed_models = [
    'int_account_scoring_dates', 'int_account_signals_scored', 'int_signal_contributions', 'int_account_health_scored',
    'account_signals'
] %}

{%- for model in computed_models %}
select
    '{{ model }}' as model_name,
    as_of_date,
    config_fingerprint,
    count(*) as rows_of_another_configuration
from {{ ref(model) }}
where config_fingerprint <> '{{ fingerprint }}'
group by as_of_date, config_fingerprint
{{ "union all" if not loop.last }}
{%- endfor %}
