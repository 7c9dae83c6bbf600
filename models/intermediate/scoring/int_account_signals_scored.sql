{{ config(**incremental_by_date(rescored_on_config_change=true)) }}

{#-
    Every signal of every account on every scoring date, with its 0-100 score: the long feature
    table. A signal's score comes from, in this order:
      1. a learned curve of the account's weight profile (signal_scoring_curves seed, written by
         calibration): straight lines between its knots, flat beyond the first and last knot;
      2. the signal_scoring_rules row for the account's segment, else its 'default' row, else the
         rows of the signal's family (an event signal 'event_count_28d:E' falls back to the rules
         of 'event_count_28d'). curve linear or log: macro score_between (interpolation between
         worst_value and best_value, clamped). curve percentile: the account's mid-rank among the
         accounts of its weight profile with data for the signal on the same date (0 the lowest,
         1 the highest; ties share the middle of their ranks), turned into 0-100 in the direction
         best_value > worst_value (higher is healthier) or the reverse: a scale-free default for
         counts whose healthy level differs from one company to the next.
    A signal without data keeps a null score and says why.
-#}

with

signals as (

    {%- for category in ['product', 'support', 'commercial', 'relationship', 'product_event'] %}
    select * from {{ ref('int_' ~ category ~ '_signals') }}
    where as_of_date in ({{ dates_to_build() }})
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

account_dates as (

    select
        account_id,
        as_of_date,
        segment,
        weight_profile,
        is_customer
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

catalogue as (

    select
        signal,
        signal_family,
        category
    from {{ ref('int_signal_catalogue') }}

),

rules as (

    select
        signal,
        segment,
        cast(worst_value as {{ type_double() }}) as worst_value,
        cast(best_value as {{ type_double() }}) as best_value,
        curve
    from {{ ref('signal_scoring_rules') }}

),

curve_knots as (

    select
        weight_profile,
        signal,
        cast(raw_value as {{ type_double() }}) as raw_value,
        cast(score as {{ type_double() }}) as score
    from {{ ref('signal_scoring_curves') }}

),

-- Consecutive knots of each learned curve: the line from one knot to the next.
curve_segments as (

    select
        weight_profile,
        signal,
        raw_value as from_value,
        score as from_score,
        lead(raw_value) over (partition by weight_profile, signal order by raw_value) as to_value,
        lead(score) over (partition by weight_profile, signal order by raw_value) as to_score
    from curve_knots

),

curve_ends as (

    select
        weight_profile,
        signal,
        min(raw_value) as first_value,
        max(raw_value) as last_value,
        max(case when first_rank = 1 then score end) as first_score,
        max(case when last_rank = 1 then score end) as last_score,
        max(case when lowest_rank = 1 then raw_value end) as value_at_lowest_score,
        max(case when highest_rank = 1 then raw_value end) as value_at_highest_score
    from (
        select
            weight_profile,
            signal,
            raw_value,
            score,
            row_number() over (partition by weight_profile, signal order by raw_value) as first_rank,
            row_number() over (partition by weight_profile, signal order by raw_value desc) as last_rank,
            row_number() over (partition by weight_profile, signal order by score, raw_value) as lowest_rank,
            row_number() over (partition by weight_profile, signal order by score desc, raw_value asc) as highest_rank
        from curve_knots
    ) as ranked_knots
    group by weight_profile, signal

),

with_rules as (

    select
        signals.account_id,
        signals.as_of_date,
        signals.is_cadence_date,
        signals.signal,
        catalogue.category,
        account_dates.weight_profile,
        account_dates.is_customer,
        signals.raw_value,
        signals.has_data,
        signals.missing_reason,
        signals.latest_input_at,
        curve_ends.signal is not null as has_learned_curve,
        case
            when curve_ends.signal is not null then curve_ends.value_at_lowest_score
            else
                coalesce(
                    segment_rules.worst_value,
                    default_rules.worst_value,
                    family_segment_rules.worst_value,
                    family_default_rules.worst_value
                )
        end as worst_value,
        case
            when curve_ends.signal is not null then curve_ends.value_at_highest_score
            else
                coalesce(
                    segment_rules.best_value,
                    default_rules.best_value,
                    family_segment_rules.best_value,
                    family_default_rules.best_value
                )
        end as best_value,
        case
            when curve_ends.signal is not null then 'learned'
            else
                coalesce(
                    segment_rules.curve,
                    default_rules.curve,
                    family_segment_rules.curve,
                    family_default_rules.curve
                )
        end as curve
    from signals
    inner join account_dates
        on signals.account_id = account_dates.account_id
        and signals.as_of_date = account_dates.as_of_date
    inner join catalogue
        on signals.signal = catalogue.signal
    left join rules as segment_rules
        on signals.signal = segment_rules.signal
        and account_dates.segment = segment_rules.segment
    left join rules as default_rules
        on signals.signal = default_rules.signal
        and default_rules.segment = 'default'
    left join rules as family_segment_rules
        on catalogue.signal_family = family_segment_rules.signal
        and account_dates.segment = family_segment_rules.segment
    left join rules as family_default_rules
        on catalogue.signal_family = family_default_rules.signal
        and family_default_rules.segment = 'default'
    left join curve_ends
        on account_dates.weight_profile = curve_ends.weight_profile
        and signals.signal = curve_ends.signal

),

learned_scores as (

    select
        with_rules.account_id,
        with_rules.as_of_date,
        with_rules.signal,
        case
            when with_rules.raw_value <= curve_ends.first_value then curve_ends.first_score
            when with_rules.raw_value >= curve_ends.last_value then curve_ends.last_score
            else curve_segments.from_score
                + (with_rules.raw_value - curve_segments.from_value)
                * (curve_segments.to_score - curve_segments.from_score)
                / (curve_segments.to_value - curve_segments.from_value)
        end as signal_score
    from with_rules
    inner join curve_ends
        on with_rules.weight_profile = curve_ends.weight_profile
        and with_rules.signal = curve_ends.signal
    left join curve_segments
        on with_rules.weight_profile = curve_segments.weight_profile
        and with_rules.signal = curve_segments.signal
        and with_rules.raw_value >= curve_segments.from_value
        and with_rules.raw_value < curve_segments.to_value
    where with_rules.has_learned_curve
        and with_rules.has_data

),

percentile_scores as (

    select
        account_id,
        as_of_date,
        signal,
        case when best_value >= worst_value then 100.0 * mid_rank else 100.0 * (1.0 - mid_rank) end as signal_score
    from (
        select
            account_id,
            as_of_date,
            signal,
            worst_value,
            best_value,
            (percent_rank() over (
                partition by as_of_date, signal, weight_profile, is_customer
                order by raw_value
            ) + cume_dist() over (
                partition by as_of_date, signal, weight_profile, is_customer
                order by raw_value
            )) / 2.0 as mid_rank
        from with_rules
        where not has_learned_curve
            and curve = 'percentile'
            and has_data
    ) as ranked

),

final as (

    select
        with_rules.account_id,
        with_rules.as_of_date,
        with_rules.is_cadence_date,
        with_rules.signal,
        with_rules.category,
        with_rules.raw_value,
        cast({{ round_to(
            'case when with_rules.has_learned_curve then learned_scores.signal_score'
            ~ " when with_rules.curve = 'percentile' then percentile_scores.signal_score"
            ~ ' else ' ~ score_between('with_rules.raw_value', 'with_rules.worst_value', 'with_rules.best_value', 'with_rules.curve')
            ~ ' end'
        ) }} as {{ type_double() }}) as signal_score,
        with_rules.has_data,
        with_rules.missing_reason,
        with_rules.latest_input_at,
        with_rules.worst_value,
        with_rules.best_value,
        with_rules.curve,
        cast('{{ scoring_config_fingerprint() }}' as {{ dbt.type_string() }}) as config_fingerprint,
        {{ written_by_this_run() }} as dbt_run_started_at
    from with_rules
    left join learned_scores
        on with_rules.account_id = learned_scores.account_id
        and with_rules.as_of_date = learned_scores.as_of_date
        and with_rules.signal = learned_scores.signal
    left join percentile_scores
        on with_rules.account_id = percentile_scores.account_id
        and with_rules.as_of_date = percentile_scores.as_of_date
        and with_rules.signal = percentile_scores.signal

)

select * from final
