{#-
    How well past scores predicted actual renewals, per subject (the health score, and each
    single signal), segment (and 'all') and lead time:
      renewals / churns / churn_rate   decided renewals with a score at that lead
      excluded_renewals                decided renewals without one (not imputed)
      auc                              P(a churned account scored riskier than a renewed one);
                                       0.5 is chance
      auc_ci_lower / auc_ci_upper      95% Poisson-bootstrap interval (percentiles of the
                                       replicates' deviation, centred on the exact AUC)
      top_decile_lift                  churn rate of the riskiest 10% / overall churn rate
      band_churn_rates(_ordered)       churn rate per band, and whether red > amber > green holds
                                       strictly (null when a band has no renewal)
      brier_score                      mean squared error of the renewal probability on renewals
                                       after the validation split, with the curve fitted before it
    The point estimates come from int_validation_metrics, the replicates from
    int_validation_bootstrap_aucs (built side by side from the same rows); this model joins them.
-#}

with

metrics as (

    select * from {{ ref('int_validation_metrics') }}

),

bootstrap as (

    select * from {{ ref('int_validation_bootstrap_aucs') }}

),

backtest as (

    select
        segment,
        lead_days,
        is_scored
    from {{ ref('int_renewal_backtest_scores') }}

),

split as (

    select split_date from {{ ref('int_validation_split') }}

),

bands as (

    select * from {{ ref('score_validation_bands') }}

),

decided as (

    select
        coalesce(segment, '(none)') as segment_group,
        lead_days,
        count(*) as decided_renewals
    from backtest
    group by coalesce(segment, '(none)'), lead_days
    union all
    select
        'all' as segment_group,
        lead_days,
        count(*) as decided_renewals
    from backtest
    group by lead_days

),

replicate_deviations as (

    select
        replicates.subject,
        replicates.segment_group,
        replicates.lead_days,
        replicates.auc - binned.auc as deviation,
        row_number() over (
            partition by replicates.subject, replicates.segment_group, replicates.lead_days
            order by replicates.auc - binned.auc
        ) as deviation_rank,
        count(*) over (
            partition by replicates.subject, replicates.segment_group, replicates.lead_days
        ) as replicates
    from bootstrap as replicates
    inner join bootstrap as binned
        on replicates.subject = binned.subject
        and replicates.segment_group = binned.segment_group
        and replicates.lead_days = binned.lead_days
        and binned.replicate = 0
    where replicates.replicate > 0
        and replicates.auc is not null

),

intervals as (

    select
        subject,
        segment_group,
        lead_days,
        -- The 2.5th and 97.5th percentiles of the deviations: ranks round(0.025 n), round(0.975 n).
        max(case when deviation_rank = greatest(1, round(0.025 * replicates)) then deviation end) as lower_deviation,
        max(case when deviation_rank = greatest(1, round(0.975 * replicates)) then deviation end) as upper_deviation,
        count(*) as replicates
    from replicate_deviations
    group by subject, segment_group, lead_days

),


band_summary as (

    select
        subject,
        segment_group,
        lead_days,
        {{ ordered_listagg(
            dbt.concat([
                'health_band', "' '", format_points('100.0 * churn_rate'), "'% of '",
                dbt.cast('renewals', dbt.type_string())
            ]),
            "'; '",
            'band_rank'
        ) }} as band_churn_rates,
        case
            when min(renewals) = 0 then null
            when
                min(case when previous_churn_rate is null or churn_rate < previous_churn_rate then 1 else 0 end) = 1
                then true
            else false
        end as band_churn_rates_ordered
    from (
        select
            bands.*,
            lag(bands.churn_rate) over (
                partition by bands.subject, bands.segment_group, bands.lead_days
                order by bands.band_rank
            ) as previous_churn_rate
        from bands
    ) as ordered_bands
    group by subject, segment_group, lead_days

),

final as (

    select
        cast(metrics.subject as {{ dbt.type_string() }}) as subject,
        cast(metrics.subject_type as {{ dbt.type_string() }}) as subject_type,
        cast(metrics.segment_group as {{ dbt.type_string() }}) as segment_group,
        cast(metrics.lead_days as {{ dbt.type_int() }}) as lead_days,
        cast(metrics.renewals as {{ dbt.type_bigint() }}) as renewals,
        cast(decided.decided_renewals - metrics.renewals as {{ dbt.type_bigint() }}) as excluded_renewals,
        cast(metrics.churns as {{ dbt.type_bigint() }}) as churns,
        cast(metrics.churn_rate as {{ type_double() }}) as churn_rate,
        cast({{ round_to('metrics.auc') }} as {{ type_double() }}) as auc,
        cast({{ round_to(
            'greatest(0.0, metrics.auc + intervals.lower_deviation)'
        ) }} as {{ type_double() }}) as auc_ci_lower,
        cast({{ round_to(
            'least(1.0, metrics.auc + intervals.upper_deviation)'
        ) }} as {{ type_double() }}) as auc_ci_upper,
        cast(coalesce(intervals.replicates, 0) as {{ dbt.type_int() }}) as bootstrap_replicates,
        cast(metrics.top_decile_rows as {{ dbt.type_bigint() }}) as top_decile_renewals,
        cast(
            {{ as_double('metrics.top_decile_churns') }} / metrics.top_decile_rows as {{ type_double() }}
        ) as top_decile_churn_rate,
        cast(
            {{ as_double('metrics.top_decile_churns') }} / metrics.top_decile_rows / nullif(metrics.churn_rate, 0)
            as {{ type_double() }}
        ) as top_decile_lift,
        cast(band_summary.band_churn_rates as {{ dbt.type_string() }}) as band_churn_rates,
        cast(band_summary.band_churn_rates_ordered as {{ dbt.type_boolean() }}) as band_churn_rates_ordered,
        cast({{ round_to('metrics.brier_score', 9) }} as {{ type_double() }}) as brier_score,
        cast(metrics.brier_renewals as {{ dbt.type_bigint() }}) as brier_renewals,
        cast(split.split_date as date) as validation_split_date,
        {{ as_of_date() }} as as_of_date
    from metrics
    cross join split
    left join decided
        on metrics.segment_group = decided.segment_group
        and metrics.lead_days = decided.lead_days
    left join intervals
        on metrics.subject = intervals.subject
        and metrics.segment_group = intervals.segment_group
        and metrics.lead_days = intervals.lead_days
    left join band_summary
        on metrics.subject = band_summary.subject
        and metrics.segment_group = band_summary.segment_group
        and metrics.lead_days = band_summary.lead_days

)

select * from final
