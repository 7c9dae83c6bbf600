{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ empty_table_when(raw_rows_were_removed(), this) }}",
    )
}}

{#-
    The log of band-transition alerts, kept across runs so that an alert keeps its identity and
    its details as first raised (the notifier never sends it twice). It holds the transitions of
    scoring (cadence) dates that raise an alert (int_health_alert_transitions: the cool-down is
    decided there, against every earlier same transition). The run's as-of date, when it is not
    a scoring date, is never logged: its alerts are provisional (health_alerts shows them) until
    the next scoring date confirms them. Incremental and append-only: each run appends the
    alerts not logged yet, and an alert once logged is never rewritten. The same inputs give the
    same transitions, so a rerun appends nothing, and a daily chain of runs logs what one full
    build logs. When rows were removed from the landing folder, the log is rebuilt from the
    rows that remain (as a full build would log them; the notifier's delivery record still
    keeps it from sending an alert twice).
    A changed scoring configuration rescores every past date (int_account_health_scored), which
    can turn up transitions on dates scored earlier under the old one: those are never logged.
    Once a run records a new configuration (int_scoring_config_versions), the log appends only
    transitions detected on or after that run's as-of date, so alerts are judged under the
    current configuration from then on and no alert is backdated.
-#}

-- depends_on: {{ ref('int_scoring_config_versions') }}

with

transitions as (

    select
        alert_id,
        account_id,
        detected_on,
        old_band,
        new_band,
        alert_type,
        band_action,
        health_score,
        score_change,
        change_drivers,
        change_drivers_text,
        top_negative_drivers_text
    from {{ ref('int_health_alert_transitions') }}
    where raises_alert
        and not is_provisional

),

final as (

    select * from transitions
    {% if is_incremental() %}
    where alert_id not in (select logged.alert_id from {{ this }} as logged)
        and detected_on >= (
            select coalesce(max(versions.first_as_of_date), cast('1900-01-01' as date))
            from {{ ref('int_scoring_config_versions') }} as versions
            where versions.previous_config_fingerprint is not null
        )
    {% endif %}

)

select * from final
