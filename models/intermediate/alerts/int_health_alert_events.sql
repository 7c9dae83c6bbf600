{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#-
    The log of band-transition alerts, kept across runs so that an alert keeps its identity (and
    the notifier never sends it twice). A transition is a scoring date on which a customer's band
    is worse than one cadence step before: into the worst band (red) it is an 'escalation',
    into any other band (green to amber) a 'check_in'. A transition raises no alert when the
    same account had the same transition (from and to the same bands) within
    healthscore_alert_cooldown_days before it: one alert per account and transition, with a
    cool-down. Incremental and append-only: a run looks at the scoring dates from the last
    alert's date less the cool-down on, and appends the alerts not logged yet; an alert once
    logged is never rewritten.
-#}

{%- set cooldown = var('healthscore_alert_cooldown_days') | int -%}

with

scores as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band,
        band_rank,
        previous_health_band,
        score_change,
        change_drivers,
        band_action
    from {{ ref('int_account_health_scored') }}
    where (is_cadence_date or as_of_date = {{ as_of_date() }})
        and is_customer
        and health_band is not null
        and previous_health_band is not null
    {% if is_incremental() %}
        and as_of_date >= (
            select {{ add_days('coalesce(max(detected_on), ' ~ dbt.cast("'1900-01-01'", 'date') ~ ')', -cooldown) }}
            from {{ this }}
        )
    {% endif %}

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
        {{ dbt.concat(['scores.account_id', "'|'", 'scores.previous_health_band', "'>'", 'scores.health_band', "'|'", dbt.cast('scores.as_of_date', dbt.type_string())]) }} as alert_id,
        scores.account_id,
        scores.as_of_date as detected_on,
        scores.previous_health_band as old_band,
        scores.health_band as new_band,
        case when scores.band_rank = bands.worst_rank then 'escalation' else 'check_in' end as alert_type,
        scores.band_action,
        scores.health_score,
        scores.score_change,
        scores.change_drivers
    from scores
    inner join bands as previous_bands
        on scores.previous_health_band = previous_bands.health_band
    inner join bands
        on scores.health_band = bands.health_band
    where scores.band_rank < previous_bands.band_rank

),

candidates as (

    select * from detected
    {% if is_incremental() %}
    where alert_id not in (select alert_id from {{ this }})
    {% endif %}

),

events as (

    select
        alert_id,
        account_id,
        detected_on,
        old_band,
        new_band,
        true as is_candidate
    from candidates
    {% if is_incremental() %}
    union all
    select
        alert_id,
        account_id,
        detected_on,
        old_band,
        new_band,
        false as is_candidate
    from {{ this }}
    {% endif %}

),

spaced as (

    select
        alert_id,
        is_candidate,
        {{ days_between(
            'lag(detected_on) over (partition by account_id, old_band, new_band order by detected_on, alert_id)',
            'detected_on') }} as days_since_same_transition
    from events

),

final as (

    select
        candidates.alert_id,
        candidates.account_id,
        candidates.detected_on,
        candidates.old_band,
        candidates.new_band,
        candidates.alert_type,
        candidates.band_action,
        candidates.health_score,
        candidates.score_change,
        candidates.change_drivers
    from candidates
    inner join spaced
        on candidates.alert_id = spaced.alert_id
        and spaced.is_candidate
    where spaced.days_since_same_transition is null
        or spaced.days_since_same_transition > {{ cooldown }}

)

select * from final
