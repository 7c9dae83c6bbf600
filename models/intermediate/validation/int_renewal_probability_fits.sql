{#-
    The renewal probability curve: P(renewal) = 1 / (1 + exp(-(intercept + slope * score / 100)))
    per segment (Platt scaling), fitted by maximum likelihood on the backtest rows of decided
    renewals (every lead time), with a small ridge penalty on the slope. Newton's method runs a
    fixed number of iterations, unrolled below, so the fit is portable SQL.
    - Monotone in the score: a fitted slope below 0 is set to 0 (the base rate).
    - Two scopes: 'all' decided renewals (used next to every score) and 'train', the renewals
      on or before int_validation_split's date (used to judge calibration on later renewals).
    - A segment with fewer than healthscore_min_outcomes_per_fit churns or renewals in a scope
      uses the curve fitted on all accounts ('__all__'), and says so in fitted_on.
-#}

{%- set iterations = 12 -%}
{%- set ridge = 1.0 -%}
{%- set min_outcomes = var('healthscore_min_outcomes_per_fit') | int -%}

with

backtest as (

    select
        backtest.segment,
        backtest.renewal_date,
        1.0 - backtest.is_churned as is_renewed,
        backtest.health_score / 100.0 as score
    from {{ ref('int_renewal_backtest_scores') }} as backtest
    where backtest.is_scored

),

split as (

    select split_date from {{ ref('int_validation_split') }}

),

fit_rows as (

    select
        'all' as fit_scope,
        coalesce(segment, '__none__') as fit_group,
        is_renewed,
        score
    from backtest
    union all
    select
        'all' as fit_scope,
        '__all__' as fit_group,
        is_renewed,
        score
    from backtest
    union all
    select
        'train' as fit_scope,
        coalesce(backtest.segment, '__none__') as fit_group,
        backtest.is_renewed,
        backtest.score
    from backtest cross join split
    where backtest.renewal_date <= split.split_date
    union all
    select
        'train' as fit_scope,
        '__all__' as fit_group,
        backtest.is_renewed,
        backtest.score
    from backtest cross join split
    where backtest.renewal_date <= split.split_date

),

group_sizes as (

    select
        fit_scope,
        fit_group,
        count(*) as observations,
        sum(is_renewed) as renewals,
        count(*) - sum(is_renewed) as churns
    from fit_rows
    group by fit_scope, fit_group

),

iteration_0 as (

    -- Start at the base rate (smoothed) with a flat slope.
    select
        fit_scope,
        fit_group,
        ln((renewals + 0.5) / (churns + 0.5)) as intercept,
        0.0 as slope
    from group_sizes

),

{%- for step in range(1, iterations + 1) %}

iteration_{{ step }} as (

    select
        sums.fit_scope,
        sums.fit_group,
        sums.intercept + (sums.h_bb * sums.g_a - sums.h_ab * sums.g_b)
        / (sums.h_aa * sums.h_bb - sums.h_ab * sums.h_ab) as intercept,
        sums.slope + (sums.h_aa * sums.g_b - sums.h_ab * sums.g_a)
        / (sums.h_aa * sums.h_bb - sums.h_ab * sums.h_ab) as slope
    from (
        select
            predictions.fit_scope,
            predictions.fit_group,
            predictions.intercept,
            predictions.slope,
            sum(predictions.is_renewed - predictions.p) as g_a,
            sum((predictions.is_renewed - predictions.p) * predictions.score) - {{ ridge }} * predictions.slope as g_b,
            sum(predictions.p * (1.0 - predictions.p)) + 1e-9 as h_aa,
            sum(predictions.p * (1.0 - predictions.p) * predictions.score) as h_ab,
            sum(predictions.p * (1.0 - predictions.p) * predictions.score * predictions.score) + {{ ridge }} as h_bb
        from (
            select
                previous.fit_scope,
                previous.fit_group,
                previous.intercept,
                previous.slope,
                fit_rows.is_renewed,
                fit_rows.score,
                1.0 / (1.0 + exp(
                    -1.0 * greatest(-30.0, least(30.0, previous.intercept + previous.slope * fit_rows.score))
                )) as p
            from iteration_{{ step - 1 }} as previous
            inner join fit_rows
                on previous.fit_scope = fit_rows.fit_scope
                and previous.fit_group = fit_rows.fit_group
        ) as predictions
        group by
            predictions.fit_scope,
            predictions.fit_group,
            predictions.intercept,
            predictions.slope
    ) as sums

),
{%- endfor %}

fitted as (

    select
        fits.fit_scope,
        fits.fit_group,
        group_sizes.observations,
        group_sizes.renewals,
        group_sizes.churns,
        -- Rounded to 9 decimals: the parallel sums above differ between runs in the last bits.
        {{ round_to(
            'case when fits.slope >= 0 then fits.intercept'
            ~ ' else ln((group_sizes.renewals + 0.5) / (group_sizes.churns + 0.5)) end',
            9
        ) }} as intercept,
        {{ round_to('greatest(fits.slope, 0.0)', 9) }} as slope
    from iteration_{{ iterations }} as fits
    inner join group_sizes
        on fits.fit_scope = group_sizes.fit_scope
        and fits.fit_group = group_sizes.fit_group

),

final as (

    select
        segment_fits.fit_scope,
        case when segment_fits.fit_group = '__none__' then null else segment_fits.fit_group end as segment,
        case
            when segment_fits.fit_group = '__all__' then 'all accounts'
            when segment_fits.churns >= {{ min_outcomes }} and segment_fits.renewals >= {{ min_outcomes }}
                then 'segment'
            else 'all accounts (too few outcomes in the segment)'
        end as fitted_on,
        case
            when segment_fits.fit_group = '__all__'
                or (segment_fits.churns >= {{ min_outcomes }} and segment_fits.renewals >= {{ min_outcomes }})
                then segment_fits.intercept
            else overall.intercept
        end as intercept,
        case
            when segment_fits.fit_group = '__all__'
                or (segment_fits.churns >= {{ min_outcomes }} and segment_fits.renewals >= {{ min_outcomes }})
                then segment_fits.slope
            else overall.slope
        end as slope,
        segment_fits.observations,
        segment_fits.renewals,
        segment_fits.churns,
        segment_fits.fit_group = '__all__' as is_overall
    from fitted as segment_fits
    inner join fitted as overall
        on segment_fits.fit_scope = overall.fit_scope
        and overall.fit_group = '__all__'

)

select * from final
