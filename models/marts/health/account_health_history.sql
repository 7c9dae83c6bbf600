{{ config(materialized='view') }}

{#-
    The point-in-time score history: one row per account per scoring date (weekly by default,
    daily with healthscore_score_cadence: daily) on which the account was a customer. Every
    score uses only data timestamped on or before its as_of_date, so it is what a run on that
    date would have shown; backtests against renewals read the same rows. The rows are stored
    incrementally (int_account_health_history); renewal_probability applies the current curve
    when read, so past and present scores are on one scale.
-#}

with

history as (

    select * from {{ ref('int_account_health_history') }}

),

scores as (

    select
        history.*,
        {{ renewal_probability_from_fits('history.health_score') }} as renewal_probability
    from history
    {{ join_renewal_probability_fits('history', 'segment', 'all') }}

),

final as (

    {#- int_account_health_history stores each column with its contract type. #}
    select
        scores.account_id,
        scores.as_of_date,
        scores.segment,
        scores.weight_profile,
        scores.health_score,
        cast(scores.renewal_probability as {{ type_double() }}) as renewal_probability,
        scores.health_band,
        scores.band_action,
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
        scores.previous_health_band,
        scores.score_change,
        scores.change_drivers,
        scores.top_negative_drivers_text,
        scores.top_positive_drivers_text,
        scores.change_drivers_text,
        scores.licensed_seats,
        scores.arr,
        scores.term_end_date,
        scores.is_cadence_date,
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
