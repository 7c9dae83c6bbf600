{{ config(materialized='view') }}

{#-
    The point-in-time score history: one row per account per scoring date (weekly by default,
    daily with healthscore_score_cadence: daily) on which the account was a customer. Every
    score uses only data timestamped on or before its as_of_date, so it is what a run on that
    date would have shown; backtests against renewals read the same rows. The rows are stored
    incrementally (int_account_health_history); renewal_probability applies the current curve
    when read, so past and present scores are on one scale.
    Manual overrides apply here, when read (int_account_overrides_by_date, point in time: an
    override counts from the day it was recorded): health_score, health_band and band_action are
    the effective ones, computed_health_score and computed_health_band the stored computed ones
    (what the backtests judge), and previous_health_band the band shown one cadence step earlier.
-#}

{%- set step_days = 1 if var('healthscore_score_cadence') == 'daily' else 7 %}

with

history as (

    select * from {{ ref('int_account_health_history') }}

),

overrides as (

    select * from {{ ref('int_account_overrides_by_date') }}

),

effective as (

    select
        history.*,
        {{ effective_health_columns('history') }}
    from history
    left join overrides
        on history.account_id = overrides.account_id
        and history.as_of_date = overrides.as_of_date
    left join overrides as previous_overrides
        on history.account_id = previous_overrides.account_id
        and {{ add_days('history.as_of_date', -step_days) }} = previous_overrides.as_of_date

),

scores as (

    select
        effective.*,
        {{ renewal_probability_from_fits('effective.effective_health_score') }} as renewal_probability
    from effective
    {{ join_renewal_probability_fits('effective', 'segment', 'all') }}

),

final as (

    {#- int_account_health_history stores each column with its contract type. #}
    select
        scores.account_id,
        scores.as_of_date,
        scores.segment,
        scores.weight_profile,
        cast(scores.effective_health_score as {{ type_double() }}) as health_score,
        cast(scores.renewal_probability as {{ type_double() }}) as renewal_probability,
        cast(scores.effective_health_band as {{ dbt.type_string() }}) as health_band,
        cast(scores.effective_band_action as {{ dbt.type_string() }}) as band_action,
        scores.score_status,
        scores.score_null_reason,
        scores.coverage,
        scores.product_score,
        scores.support_score,
        scores.commercial_score,
        scores.relationship_score,
        scores.top_negative_driver_1,
        scores.top_negative_driver_2,
        scores.top_negative_driver_3,
        scores.top_negative_drivers,
        scores.top_positive_driver,
        scores.top_positive_drivers,
        scores.missing_signals,
        scores.previous_health_score,
        cast(scores.effective_previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        scores.score_change,
        scores.change_drivers,
        scores.top_negative_drivers_text,
        scores.top_positive_drivers_text,
        scores.change_drivers_text,
        scores.licensed_seats,
        scores.arr,
        scores.term_end_date,
        scores.is_cadence_date,
        scores.health_score as computed_health_score,
        scores.health_band as computed_health_band,
        cast(scores.is_overridden as {{ dbt.type_boolean() }}) as is_overridden,
        cast(scores.override_id as {{ dbt.type_string() }}) as override_id,
        cast(scores.override_reason as {{ dbt.type_string() }}) as override_reason,
        cast(scores.override_author as {{ dbt.type_string() }}) as override_author,
        cast(scores.override_expires_on as date) as override_expires_on,
        scores.config_fingerprint,
        scores.previous_config_fingerprint,
        scores.previous_segment,
        scores.previous_weight_profile,
        scores.score_change_from_data,
        scores.score_change_from_config,
        scores.score_change_from_profile
    from scores

)

select * from final
