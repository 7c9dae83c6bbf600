{{ config(**incremental_by_date(rescored_on_config_change=true)) }}

{#-
    How each signal contributes to its account's score on each date.
      weight               the signal's weight in the account's profile (weight_profiles seed;
                           a signal the profile does not list weighs 0)
      effective_weight     weight / the summed weight of the signals that had data: a missing
                           signal's weight is redistributed over the present ones in proportion
      contribution_points  effective_weight * signal_score; they sum to the health score
      impact_points        effective_weight * (signal_score - 50): how far the signal pulls the
                           score above or below the midpoint; the health score is
                           50 + the sum of impact_points. Drivers are ranked on it.
      impact_change_points impact_points minus the same signal's impact one cadence step earlier
    Incremental by date (dates_to_build); the previous period of the oldest recomputed date is
    read from the rows already built.
-#}

with

scored as (

    select * from {{ ref('int_account_signals_scored') }}
    where as_of_date in ({{ dates_to_build() }})

),

account_dates as (

    select
        account_id,
        as_of_date,
        previous_period_date,
        weight_profile
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

weights as (

    select
        weight_profile,
        signal,
        cast(weight as {{ type_double() }}) as weight
    from {{ ref('weight_profiles') }}

),

weighted as (

    select
        scored.account_id,
        scored.as_of_date,
        scored.is_cadence_date,
        account_dates.previous_period_date,
        account_dates.weight_profile,
        scored.signal,
        scored.category,
        scored.raw_value,
        scored.signal_score,
        scored.has_data,
        scored.missing_reason,
        scored.latest_input_at,
        coalesce(weights.weight, 0.0) as weight
    from scored
    inner join account_dates
        on scored.account_id = account_dates.account_id
        and scored.as_of_date = account_dates.as_of_date
    left join weights
        on account_dates.weight_profile = weights.weight_profile
        and scored.signal = weights.signal

),

totals as (

    select
        account_id,
        as_of_date,
        -- Decimal sums: exact, so renormalised weights do not depend on summation order.
        cast(sum(cast(weight as decimal(24, 12))) as {{ type_double() }}) as profile_weight,
        cast(
            sum(case when has_data then cast(weight as decimal(24, 12)) else 0 end) as {{ type_double() }}
        ) as present_weight
    from weighted
    group by account_id, as_of_date

),

with_points as (

    select
        weighted.account_id,
        weighted.as_of_date,
        weighted.is_cadence_date,
        weighted.previous_period_date,
        weighted.weight_profile,
        weighted.signal,
        weighted.category,
        weighted.raw_value,
        weighted.signal_score,
        weighted.has_data,
        weighted.missing_reason,
        weighted.latest_input_at,
        weighted.weight,
        totals.profile_weight,
        totals.present_weight,
        case
            when weighted.has_data and totals.present_weight > 0 then weighted.weight / totals.present_weight
            else 0.0
        end as effective_weight
    from weighted
    inner join totals
        on weighted.account_id = totals.account_id
        and weighted.as_of_date = totals.as_of_date

),

with_impacts as (

    select
        with_points.*,
        case
            when with_points.effective_weight > 0 then with_points.effective_weight * with_points.signal_score
            else 0.0
        end as contribution_points,
        case
            when with_points.effective_weight > 0 then with_points.effective_weight * (with_points.signal_score - 50.0)
            else 0.0
        end as impact_points
    from with_points

),

previous_impacts as (

    select
        account_id,
        as_of_date,
        signal,
        impact_points
    from with_impacts
    {% if is_incremental() %}
    union all
    select account_id, as_of_date, signal, impact_points from {{ this }}
    where is_cadence_date
        and as_of_date not in ({{ dates_to_build() }})
        -- only the dates some recomputed row looks back to: not the whole history
        and as_of_date in (select distinct account_dates.previous_period_date from account_dates)
    {% endif %}

),

final as (

    select
        current_period.account_id,
        current_period.as_of_date,
        current_period.is_cadence_date,
        current_period.weight_profile,
        current_period.signal,
        current_period.category,
        current_period.raw_value,
        current_period.signal_score,
        current_period.has_data,
        current_period.missing_reason,
        current_period.latest_input_at,
        current_period.weight,
        current_period.profile_weight,
        current_period.present_weight,
        current_period.effective_weight,
        current_period.contribution_points,
        current_period.impact_points,
        current_period.impact_points - previous_period.impact_points as impact_change_points,
        cast('{{ scoring_config_fingerprint() }}' as {{ dbt.type_string() }}) as config_fingerprint,
        {{ written_by_this_run() }} as dbt_run_started_at
    from with_impacts as current_period
    left join previous_impacts as previous_period
        on current_period.account_id = previous_period.account_id
        and current_period.previous_period_date = previous_period.as_of_date
        and current_period.signal = previous_period.signal

)

select * from final
