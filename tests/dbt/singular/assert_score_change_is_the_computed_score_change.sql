{{ config(meta={'dagster': {'ref': {'name': 'account_health_history'}}}) }}

-- Rule: in both health marts score_change is the computed score's change, whatever an override
-- shows: computed_health_score minus previous_health_score (itself a computed score: in
-- account_health the previous date rescored under the current configuration, in
-- account_health_history the previous date's published score), rounded to 6 decimals.

with

changes as (

    select
        'account_health' as mart,
        account_id,
        as_of_date,
        computed_health_score,
        previous_health_score,
        score_change
    from {{ ref('account_health') }}

    union all

    select
        'account_health_history' as mart,
        account_id,
        as_of_date,
        computed_health_score,
        previous_health_score,
        score_change
    from {{ ref('account_health_history') }}

)

select
    mart,
    account_id,
    as_of_date,
    computed_health_score,
    previous_health_score,
    score_change
from changes
where computed_health_score is not null
    and previous_health_score is not null
    and (
        score_change is null
        or abs(score_change - {{ round_to('computed_health_score - previous_health_score') }}) > 1e-9
    )
