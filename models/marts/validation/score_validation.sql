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
-#}

with

observations as (

    select * from {{ ref('int_validation_observations') }}

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

    select coalesce(segment, '(none)') as segment_group, lead_days, count(*) as decided_renewals
    from backtest
    group by coalesce(segment, '(none)'), lead_days
    union all
    select 'all' as segment_group, lead_days, count(*) as decided_renewals
    from backtest
    group by lead_days

),

totals as (

    select
        subject,
        subject_type,
        segment_group,
        lead_days,
        count(*) as renewals,
        sum(is_churned) as churns,
        {{ as_double('sum(is_churned)') }} / count(*) as churn_rate,
        cast(ceiling(count(*) / 10.0) as {{ dbt.type_bigint() }}) as top_decile_rows
    from observations
    group by subject, subject_type, segment_group, lead_days

),

exact_cells as (

    select
        subject,
        segment_group,
        lead_days,
        risk_value,
        sum(is_churned) as churned,
        count(*) - sum(is_churned) as renewed
    from observations
    group by subject, segment_group, lead_days, risk_value

),

exact_auc as (

    select
        subject,
        segment_group,
        lead_days,
        sum(churned * (renewed_below + 0.5 * renewed)) / nullif(sum(churned) * sum(renewed), 0) as auc
    from (
        select
            exact_cells.*,
            coalesce(sum(renewed) over (
                partition by subject, segment_group, lead_days
                order by risk_value
                rows between unbounded preceding and 1 preceding
            ), 0) as renewed_below
        from exact_cells
    ) as cumulated
    group by subject, segment_group, lead_days

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

-- The top decile is the first ceil(n / 10) renewals by risk_value desc, renewal_id (what
-- ntile(10) puts in its first tile), found on the risk cells rather than by sorting every
-- row: cells wholly above the cut count in full, and only the rows of the one cell the cut
-- falls in are ordered by renewal_id.
decile_cells as (

    select
        exact_cells.subject,
        exact_cells.segment_group,
        exact_cells.lead_days,
        exact_cells.risk_value,
        exact_cells.churned,
        exact_cells.churned + exact_cells.renewed as cell_rows,
        coalesce(sum(exact_cells.churned + exact_cells.renewed) over (
            partition by exact_cells.subject, exact_cells.segment_group, exact_cells.lead_days
            order by exact_cells.risk_value desc
            rows between unbounded preceding and 1 preceding
        ), 0) as rows_above,
        totals.top_decile_rows as top_rows
    from exact_cells
    inner join totals
        on exact_cells.subject = totals.subject
        and exact_cells.segment_group = totals.segment_group
        and exact_cells.lead_days = totals.lead_days

),

cut_cell_rows as (

    select
        observations.subject,
        observations.segment_group,
        observations.lead_days,
        observations.is_churned,
        decile_cells.top_rows - decile_cells.rows_above as rows_taken,
        row_number() over (
            partition by observations.subject, observations.segment_group, observations.lead_days
            order by observations.renewal_id
        ) as rank_in_cell
    from observations
    inner join decile_cells
        on observations.subject = decile_cells.subject
        and observations.segment_group = decile_cells.segment_group
        and observations.lead_days = decile_cells.lead_days
        and observations.risk_value = decile_cells.risk_value
    where decile_cells.rows_above < decile_cells.top_rows
        and decile_cells.rows_above + decile_cells.cell_rows > decile_cells.top_rows

),

top_decile_churns as (

    select subject, segment_group, lead_days, sum(churned) as churns
    from (
        select subject, segment_group, lead_days, churned
        from decile_cells
        where rows_above + cell_rows <= top_rows
        union all
        select subject, segment_group, lead_days, is_churned as churned
        from cut_cell_rows
        where rank_in_cell <= rows_taken
    ) as top_rows_churned
    group by subject, segment_group, lead_days

),

brier as (

    select
        observations.subject,
        observations.segment_group,
        observations.lead_days,
        count(*) as brier_renewals,
        avg((observations.renewal_probability - (1 - observations.is_churned))
            * (observations.renewal_probability - (1 - observations.is_churned))) as brier_score
    from observations
    where observations.subject_type = 'score'
        and observations.is_held_out
        and observations.renewal_probability is not null
    group by observations.subject, observations.segment_group, observations.lead_days

),

band_summary as (

    select
        subject,
        segment_group,
        lead_days,
        {{ ordered_listagg(dbt.concat(['health_band', "' '", format_points('100.0 * churn_rate'), "'% of '", dbt.cast('renewals', dbt.type_string())]), "'; '", 'band_rank') }} as band_churn_rates,
        case
            when min(renewals) = 0 then null
            when min(case when previous_churn_rate is null or churn_rate < previous_churn_rate then 1 else 0 end) = 1 then true
            else false
        end as band_churn_rates_ordered
    from (
        select
            bands.*,
            lag(churn_rate) over (
                partition by subject, segment_group, lead_days
                order by band_rank
            ) as previous_churn_rate
        from bands
    ) as ordered_bands
    group by subject, segment_group, lead_days

),

final as (

    select
        cast(totals.subject as {{ dbt.type_string() }}) as subject,
        cast(totals.subject_type as {{ dbt.type_string() }}) as subject_type,
        cast(totals.segment_group as {{ dbt.type_string() }}) as segment_group,
        cast(totals.lead_days as {{ dbt.type_int() }}) as lead_days,
        cast(totals.renewals as {{ dbt.type_bigint() }}) as renewals,
        cast(decided.decided_renewals - totals.renewals as {{ dbt.type_bigint() }}) as excluded_renewals,
        cast(totals.churns as {{ dbt.type_bigint() }}) as churns,
        cast(totals.churn_rate as {{ type_double() }}) as churn_rate,
        cast({{ round_to('exact_auc.auc') }} as {{ type_double() }}) as auc,
        cast({{ round_to('greatest(0.0, exact_auc.auc + intervals.lower_deviation)') }} as {{ type_double() }}) as auc_ci_lower,
        cast({{ round_to('least(1.0, exact_auc.auc + intervals.upper_deviation)') }} as {{ type_double() }}) as auc_ci_upper,
        cast(coalesce(intervals.replicates, 0) as {{ dbt.type_int() }}) as bootstrap_replicates,
        cast(totals.top_decile_rows as {{ dbt.type_bigint() }}) as top_decile_renewals,
        cast({{ as_double('coalesce(top_decile_churns.churns, 0)') }} / totals.top_decile_rows as {{ type_double() }}) as top_decile_churn_rate,
        cast({{ as_double('coalesce(top_decile_churns.churns, 0)') }} / totals.top_decile_rows / nullif(totals.churn_rate, 0) as {{ type_double() }}) as top_decile_lift,
        cast(band_summary.band_churn_rates as {{ dbt.type_string() }}) as band_churn_rates,
        cast(band_summary.band_churn_rates_ordered as {{ dbt.type_boolean() }}) as band_churn_rates_ordered,
        cast({{ round_to('brier.brier_score', 9) }} as {{ type_double() }}) as brier_score,
        cast(brier.brier_renewals as {{ dbt.type_bigint() }}) as brier_renewals,
        cast(split.split_date as date) as validation_split_date,
        {{ as_of_date() }} as as_of_date
    from totals
    cross join split
    left join decided
        on totals.segment_group = decided.segment_group
        and totals.lead_days = decided.lead_days
    left join exact_auc
        on totals.subject = exact_auc.subject
        and totals.segment_group = exact_auc.segment_group
        and totals.lead_days = exact_auc.lead_days
    left join intervals
        on totals.subject = intervals.subject
        and totals.segment_group = intervals.segment_group
        and totals.lead_days = intervals.lead_days
    left join top_decile_churns
        on totals.subject = top_decile_churns.subject
        and totals.segment_group = top_decile_churns.segment_group
        and totals.lead_days = top_decile_churns.lead_days
    left join band_summary
        on totals.subject = band_summary.subject
        and totals.segment_group = band_summary.segment_group
        and totals.lead_days = band_summary.lead_days
    left join brier
        on totals.subject = brier.subject
        and totals.segment_group = brier.segment_group
        and totals.lead_days = brier.lead_days

)

select * from final
