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
        {{ health_score_columns('scores') }},
        cast(scores.is_cadence_date as {{ dbt.type_boolean() }}) as is_cadence_date
    from scores

)

select * from final
