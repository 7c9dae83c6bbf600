{#-
    The point estimates of score_validation, per subject (the health score, and each single
    signal), segment group and lead time, from the risk cells of the scored backtest rows
    (int_validation_risk_cells):
      renewals / churns / churn_rate   decided renewals with a score at that lead
      auc                              P(a churned account scored riskier than a renewed one),
                                       ties counting half (exact, unrounded)
      top_decile_rows / _churns        the riskiest ceil(n / 10) renewals and their churns
      brier_renewals / brier_score     mean squared error of the renewal probability on the
                                       renewals after the validation split
    A model of its own so that it runs beside the bootstrap (int_validation_bootstrap_aucs),
    which reads the same cells; score_validation joins the two. Only the top decile needs
    observation rows, those of the one cell per group that the cut falls inside, ordered by
    renewal_id: it joins them from int_validation_observations, which, a view, is evaluated
    whole for it (as it is for renewal_probability_calibration).
-#}

with

-- The cells rolled up over the band: one row per risk value of a group, which the cumulative
-- windows below need (with two rows for one risk value, one would count as below the other).
-- A cell has one band unless the health_bands seed overlaps; then the cells' grain test fails
-- in a build, and here the roll-up keeps the sums what they were on the observation rows.
cells as (

    select
        subject,
        subject_type,
        segment_group,
        lead_days,
        risk_value,
        cast(sum(churned) as {{ dbt.type_bigint() }}) as churned,
        cast(sum(renewed) as {{ dbt.type_bigint() }}) as renewed,
        cast(sum(brier_renewals) as {{ dbt.type_bigint() }}) as brier_renewals,
        sum(brier_error_sum) as brier_error_sum
    from {{ ref('int_validation_risk_cells') }}
    group by subject, subject_type, segment_group, lead_days, risk_value

),

totals as (

    select
        subject,
        subject_type,
        segment_group,
        lead_days,
        cast(sum(churned + renewed) as {{ dbt.type_bigint() }}) as renewals,
        cast(sum(churned) as {{ dbt.type_bigint() }}) as churns,
        {{ as_double('sum(churned)') }} / sum(churned + renewed) as churn_rate,
        cast(ceiling(sum(churned + renewed) / 10.0) as {{ dbt.type_bigint() }}) as top_decile_rows
    from cells
    group by subject, subject_type, segment_group, lead_days

),

exact_auc as (

    select
        subject,
        segment_group,
        lead_days,
        {{ as_double('sum(churned * (renewed_below + 0.5 * renewed))') }}
        / nullif(sum(churned) * sum(renewed), 0) as auc
    from (
        select
            cells.subject,
            cells.segment_group,
            cells.lead_days,
            cells.churned,
            cells.renewed,
            coalesce(sum(cells.renewed) over (
                partition by cells.subject, cells.segment_group, cells.lead_days
                order by cells.risk_value
                rows between unbounded preceding and 1 preceding
            ), 0) as renewed_below
        from cells
    ) as cumulated
    group by subject, segment_group, lead_days

),

-- The top decile is the first ceil(n / 10) renewals by risk_value desc, renewal_id (what
-- ntile(10) puts in its first tile), found on the risk cells rather than by sorting every
-- row: cells wholly above the cut count in full, and only the rows of the one cell the cut
-- falls in are ordered by renewal_id.
decile_cells as (

    select
        cells.subject,
        cells.segment_group,
        cells.lead_days,
        cells.risk_value,
        cells.churned,
        cells.churned + cells.renewed as cell_rows,
        coalesce(sum(cells.churned + cells.renewed) over (
            partition by cells.subject, cells.segment_group, cells.lead_days
            order by cells.risk_value desc
            rows between unbounded preceding and 1 preceding
        ), 0) as rows_above,
        totals.top_decile_rows as top_rows
    from cells
    inner join totals
        on cells.subject = totals.subject
        and cells.segment_group = totals.segment_group
        and cells.lead_days = totals.lead_days

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
    from {{ ref('int_validation_observations') }} as observations
    inner join decile_cells
        on observations.subject = decile_cells.subject
        and observations.segment_group = decile_cells.segment_group
        and observations.lead_days = decile_cells.lead_days
        and observations.risk_value = decile_cells.risk_value
    where decile_cells.rows_above < decile_cells.top_rows
        and decile_cells.rows_above + decile_cells.cell_rows > decile_cells.top_rows

),

top_decile_churns as (

    select
        subject,
        segment_group,
        lead_days,
        sum(churned) as churns
    from (
        select
            subject,
            segment_group,
            lead_days,
            churned
        from decile_cells
        where rows_above + cell_rows <= top_rows
        union all
        select
            subject,
            segment_group,
            lead_days,
            is_churned as churned
        from cut_cell_rows
        where rank_in_cell <= rows_taken
    ) as top_rows_churned
    group by subject, segment_group, lead_days

),

brier as (

    select
        subject,
        segment_group,
        lead_days,
        cast(sum(brier_renewals) as {{ dbt.type_bigint() }}) as brier_renewals,
        sum(brier_error_sum) / sum(brier_renewals) as brier_score
    from cells
    where subject_type = 'score'
    group by subject, segment_group, lead_days
    having sum(brier_renewals) > 0

),

final as (

    select
        totals.subject,
        totals.subject_type,
        totals.segment_group,
        totals.lead_days,
        totals.renewals,
        totals.churns,
        cast(totals.churn_rate as {{ type_double() }}) as churn_rate,
        -- double on every engine (PostgreSQL and Spark would divide decimals, Spark to 6 places)
        cast(exact_auc.auc as {{ type_double() }}) as auc,
        totals.top_decile_rows,
        cast(coalesce(top_decile_churns.churns, 0) as {{ dbt.type_bigint() }}) as top_decile_churns,
        brier.brier_renewals,
        cast(brier.brier_score as {{ type_double() }}) as brier_score
    from totals
    left join exact_auc
        on totals.subject = exact_auc.subject
        and totals.segment_group = exact_auc.segment_group
        and totals.lead_days = exact_auc.lead_days
    left join top_decile_churns
        on totals.subject = top_decile_churns.subject
        and totals.segment_group = top_decile_churns.segment_group
        and totals.lead_days = top_decile_churns.lead_days
    left join brier
        on totals.subject = brier.subject
        and totals.segment_group = brier.segment_group
        and totals.lead_days = brier.lead_days

)

select * from final
