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

    select
        cast(scores.account_id as {{ dbt.type_string() }}) as account_id,
        cast(scores.as_of_date as date) as as_of_date,
        cast(scores.segment as {{ dbt.type_string() }}) as segment,
        cast(scores.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(scores.health_score as {{ type_double() }}) as health_score,
        cast(scores.renewal_probability as {{ type_double() }}) as renewal_probability,
        cast(scores.health_band as {{ dbt.type_string() }}) as health_band,
        cast(scores.band_action as {{ dbt.type_string() }}) as band_action,
        cast(scores.score_status as {{ dbt.type_string() }}) as score_status,
        cast(scores.score_null_reason as {{ dbt.type_string() }}) as score_null_reason,
        cast(scores.coverage as {{ type_double() }}) as coverage,
        cast(scores.product_score as {{ type_double() }}) as product_score,
        cast(scores.support_score as {{ type_double() }}) as support_score,
        cast(scores.commercial_score as {{ type_double() }}) as commercial_score,
        cast(scores.relationship_score as {{ type_double() }}) as relationship_score,
        cast(scores.top_negative_driver_1 as {{ dbt.type_string() }}) as top_negative_driver_1,
        cast(scores.top_negative_driver_2 as {{ dbt.type_string() }}) as top_negative_driver_2,
        cast(scores.top_negative_driver_3 as {{ dbt.type_string() }}) as top_negative_driver_3,
        cast(scores.top_negative_drivers as {{ dbt.type_string() }}) as top_negative_drivers,
        cast(scores.top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast(scores.top_positive_drivers as {{ dbt.type_string() }}) as top_positive_drivers,
        cast(scores.missing_signals as {{ dbt.type_string() }}) as missing_signals,
        cast(scores.previous_health_score as {{ type_double() }}) as previous_health_score,
        cast(scores.previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        cast(scores.score_change as {{ type_double() }}) as score_change,
        cast(scores.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast(scores.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(scores.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast(scores.term_end_date as date) as term_end_date,
        cast(scores.is_cadence_date as {{ dbt.type_boolean() }}) as is_cadence_date
    from scores

)

select * from final
