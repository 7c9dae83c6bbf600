{{ config(materialized='view') }}

{#-
    One row per scored backtest row and "subject": the health score itself and each single signal
    (rows where the signal had data), once for the account's segment and once for 'all'
    segments. risk_value = 100 - score, so that higher means more at risk; band is the health
    band (for a signal, the band its own score would fall in). is_held_out marks renewals after
    the validation split date; renewal_probability uses the curve fitted on the earlier ones
    (scope 'train'), so its Brier score on held-out rows is honest.
    A view: its readers aggregate it at once, and writing its millions of rows on every run
    cost more than the join behind it.
-#}

with

backtest as (

    select
        renewal_id,
        renewal_date,
        lead_days,
        segment,
        is_churned,
        health_score
    from {{ ref('int_renewal_backtest_scores') }}
    where is_scored

),

signals as (

    select
        renewal_id,
        renewal_date,
        lead_days,
        segment,
        is_churned,
        signal,
        signal_score
    from {{ ref('int_renewal_backtest_signals') }}
    where has_data

),

bands as (

    select
        health_band,
        band_rank,
        cast(min_score as {{ type_double() }}) as min_score,
        cast(max_score as {{ type_double() }}) as max_score
    from {{ ref('health_bands') }}

),

split as (

    select split_date from {{ ref('int_validation_split') }}

),

subjects as (

    select
        'health_score' as subject,
        'score' as subject_type,
        renewal_id,
        renewal_date,
        lead_days,
        segment,
        is_churned,
        health_score as score
    from backtest

    union all

    select
        signal as subject,
        'signal' as subject_type,
        renewal_id,
        renewal_date,
        lead_days,
        segment,
        is_churned,
        signal_score as score
    from signals

),

enriched as (

    select
        subjects.subject,
        subjects.subject_type,
        subjects.renewal_id,
        subjects.renewal_date,
        subjects.lead_days,
        subjects.segment,
        subjects.is_churned,
        100.0 - subjects.score as risk_value,
        bands.health_band as band,
        bands.band_rank,
        subjects.renewal_date > split.split_date as is_held_out,
        case when subjects.subject_type = 'score' then
                {{ renewal_probability_from_fits('subjects.score') }}
        end as renewal_probability
    from subjects
    cross join split
    left join bands
        on {{ score_in_band('subjects.score', 'bands') }}
    {{ join_renewal_probability_fits('subjects', 'segment', 'train') }}

),

final as (

    select
        subject,
        subject_type,
        coalesce(segment, '(none)') as segment_group,
        lead_days,
        renewal_id,
        renewal_date,
        is_churned,
        risk_value,
        band,
        band_rank,
        is_held_out,
        renewal_probability
    from enriched

    union all

    select
        subject,
        subject_type,
        'all' as segment_group,
        lead_days,
        renewal_id,
        renewal_date,
        is_churned,
        risk_value,
        band,
        band_rank,
        is_held_out,
        renewal_probability
    from enriched

)

select * from final
