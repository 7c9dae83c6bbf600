-- Rule: every score change of the published history is attributed whole: its parts from new
-- data, from a configuration change and from a segment or weight profile change add up to
-- score_change (to floating-point dust), and are null exactly when it is.

select
    account_id,
    as_of_date,
    score_change,
    score_change_from_data,
    score_change_from_config,
    score_change_from_profile
from {{ ref('int_account_health_history') }}
where abs(score_change_from_data + score_change_from_config + score_change_from_profile - score_change) > 1e-9
    or (score_change is null) <> (score_change_from_data is null)
