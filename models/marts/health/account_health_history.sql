{#-
    The point-in-time score history: one row per account per scoring date (weekly by default,
    daily with healthscore_score_cadence: daily) on which the account was a customer. Every row
    uses only data timestamped on or before its as_of_date, so it is what a run on that date
    would have shown; backtests against renewals read this table.
-#}

with

health as (

    select * from {{ ref('int_account_health_scored') }}
    where is_cadence_date and is_customer

),

scores as (

    select
        health.*,
        {{ renewal_probability_from_fits('health.health_score') }} as renewal_probability
    from health
    {{ join_renewal_probability_fits('health', 'segment', 'all') }}

),

final as (

    select
        {{ health_score_columns('scores') }}
    from scores

)

select * from final
