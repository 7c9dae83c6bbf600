{#- The point-in-time backtest: for every decided renewal and lead time, the score, band,
    subscores and renewal probability the account had on the last scoring date on or before
    renewal_date - lead, as account_health_history shows it; or why it had none. -#}

with

backtest as (

    select * from {{ ref('int_renewal_backtest_scores') }}

),

final as (

    select
        cast(backtest.renewal_id as {{ dbt.type_string() }}) as renewal_id,
        cast(backtest.lead_days as {{ dbt.type_int() }}) as lead_days,
        cast(backtest.account_id as {{ dbt.type_string() }}) as account_id,
        cast(backtest.segment as {{ dbt.type_string() }}) as segment,
        cast(backtest.renewal_date as date) as renewal_date,
        cast(backtest.is_churned as {{ dbt.type_int() }}) as is_churned,
        cast(backtest.term_class as {{ dbt.type_string() }}) as term_class,
        cast(backtest.is_longest_lead as {{ dbt.type_boolean() }}) as is_longest_lead,
        cast(backtest.target_date as date) as target_date,
        cast(backtest.scoring_date as date) as scoring_date,
        cast(backtest.is_scored as {{ dbt.type_boolean() }}) as is_scored,
        cast(backtest.exclusion_reason as {{ dbt.type_string() }}) as exclusion_reason,
        cast(backtest.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(backtest.health_score as {{ type_double() }}) as health_score,
        cast(backtest.health_band as {{ dbt.type_string() }}) as health_band,
        cast({{ renewal_probability_from_fits(
            'backtest.health_score'
        ) }} as {{ type_double() }}) as renewal_probability,
        cast(backtest.coverage as {{ type_double() }}) as coverage,
        cast(backtest.product_score as {{ type_double() }}) as product_score,
        cast(backtest.support_score as {{ type_double() }}) as support_score,
        cast(backtest.commercial_score as {{ type_double() }}) as commercial_score,
        cast(backtest.relationship_score as {{ type_double() }}) as relationship_score
    from backtest
    {{ join_renewal_probability_fits('backtest', 'segment', 'all') }}

)

select * from final
