{#-
    Every band worsening of a customer, with the cool-down decided: the input of the alert log
    (int_health_alert_events) and of the provisional alerts of health_alerts.

    A transition is a date on which a customer's band is worse than one cadence step before:
    into the worst band (red) an 'escalation', into any other band (green to amber) a
    'check_in'. Transitions are read on the scoring (cadence) dates of the whole history, and on
    the run's as-of date when it is not a scoring date: that one is provisional (its score is
    replaced by the next scoring date's), and its alert_id names the next scoring date, the date
    whose transition would confirm it, so that it keeps one identity from the day it is first
    seen until it is logged.

    The cool-down: a transition raises an alert unless the same account had the same transition
    (from and to the same bands) on a scoring date within healthscore_alert_cooldown_days
    before it, whether or not that earlier one raised an alert; provisional transitions are
    never counted as earlier ones. Each decision looks only at earlier scoring dates, so it is
    the same in every run that sees those dates, and recomputing every transition each run (a
    scan of the scored cadence rows, small next to scoring them) gives a daily chain of runs the
    same decisions as one full build.

    Bands are the effective ones: a manual override in force (int_account_overrides_by_date)
    replaces the computed band on its dates (docs/overrides.md).
-#}

{%- set cooldown = var('healthscore_alert_cooldown_days') | int -%}
{%- set weekday = var('healthscore_score_weekday') | int -%}

with

scored as (

    select
        account_id,
        as_of_date,
        previous_period_date,
        is_cadence_date,
        health_score,
        health_band,
        band_rank,
        previous_health_band,
        score_change,
        change_drivers,
        change_drivers_text,
        top_negative_drivers_text,
        band_action
    from {{ ref('int_account_health_scored') }}
    where (is_cadence_date or as_of_date = {{ as_of_date() }})
        and is_customer

),

overrides as (

    select * from {{ ref('int_account_overrides_by_date') }}

),

scores as (

    {#- The effective bands: a manual override in force on the date (or on the previous one)
        replaces the computed band, so an account overridden to green raises no alert from its
        computed band, and the return to the computed band when it expires is a transition. #}
    select
        scored.account_id,
        scored.as_of_date,
        scored.is_cadence_date,
        coalesce(overrides.override_score, scored.health_score) as health_score,
        coalesce(overrides.overridden_health_band, scored.health_band) as health_band,
        coalesce(overrides.band_rank, scored.band_rank) as band_rank,
        coalesce(previous_overrides.overridden_health_band, scored.previous_health_band) as previous_health_band,
        scored.score_change,
        scored.change_drivers,
        scored.change_drivers_text,
        scored.top_negative_drivers_text,
        coalesce(overrides.band_action, scored.band_action) as band_action
    from scored
    left join overrides
        on scored.account_id = overrides.account_id
        and scored.as_of_date = overrides.as_of_date
    left join overrides as previous_overrides
        on scored.account_id = previous_overrides.account_id
        and scored.previous_period_date = previous_overrides.as_of_date
    where coalesce(overrides.overridden_health_band, scored.health_band) is not null
        and coalesce(previous_overrides.overridden_health_band, scored.previous_health_band) is not null

),

bands as (

    select
        health_band,
        band_rank,
        min(band_rank) over () as worst_rank
    from {{ ref('health_bands') }}

),

detected as (

    select
        scores.account_id,
        scores.as_of_date as detected_on,
        case
            when scores.is_cadence_date then scores.as_of_date
            {%- if var('healthscore_score_cadence') == 'weekly' %}
            -- The next healthscore_score_weekday (1900-01-01 was a Monday, ISO weekday 1).
            else {{ add_days(
                'scores.as_of_date',
                'mod(' ~ (weekday + 6) ~ ' - mod('
                ~ days_between("cast('1900-01-01' as date)", 'scores.as_of_date') ~ ', 7), 7)'
            ) }}
            {%- else %}
            else scores.as_of_date
            {%- endif %}
        end as scoring_date,
        not scores.is_cadence_date as is_provisional,
        scores.previous_health_band as old_band,
        scores.health_band as new_band,
        case when scores.band_rank = bands.worst_rank then 'escalation' else 'check_in' end as alert_type,
        scores.band_action,
        scores.health_score,
        scores.score_change,
        scores.change_drivers,
        scores.change_drivers_text,
        scores.top_negative_drivers_text
    from scores
    inner join bands as previous_bands
        on scores.previous_health_band = previous_bands.health_band
    inner join bands
        on scores.health_band = bands.health_band
    where scores.band_rank < previous_bands.band_rank

),

spaced as (

    select
        detected.*,
        max(case when not detected.is_provisional then detected.detected_on end) over (
            partition by detected.account_id, detected.old_band, detected.new_band
            order by detected.detected_on
            rows between unbounded preceding and 1 preceding
        ) as previous_same_transition_on
    from detected

),

final as (

    select
        {{ dbt.concat([
            'account_id', "'|'", 'old_band', "'>'", 'new_band', "'|'", dbt.cast('scoring_date', dbt.type_string())
        ]) }} as alert_id,
        account_id,
        detected_on,
        scoring_date,
        is_provisional,
        old_band,
        new_band,
        alert_type,
        band_action,
        health_score,
        score_change,
        change_drivers,
        change_drivers_text,
        top_negative_drivers_text,
        previous_same_transition_on,
        previous_same_transition_on is null
        or {{ days_between(
            'previous_same_transition_on', 'detected_on'
        ) }} > {{ cooldown }} as raises_alert
    from spaced

)

select * from final
