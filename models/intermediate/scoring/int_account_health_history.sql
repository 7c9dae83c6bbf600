{{ config(**incremental_by_date()) }}

{#-
    The stored score history behind the account_health_history view: one row per account per
    scoring date on which the account was a customer, as published. Incremental by date: a run
    recomputes its last dates (and any backfill range, healthscore_rebuild_from/_to) and keeps
    the others.

    Which configuration scored each row: config_fingerprint (scoring_config_fingerprint()). The
    history is not rewritten when the scoring configuration changes: a date published under
    another configuration keeps its rows (dates_published_under_another_configuration), even in
    the run's lookback window; the run's as-of date and a backfill range are published under the
    current one. (The computed view, int_account_health_scored, is rescored on every date.)

    Every score change attributed to its cause, in points; with
      P  = the previous scoring date's published score (this table's row, as published: the
           stored row unless this run republishes the date),
      X1 = the previous date's data under the current configuration and the previous segment
           (and the profile the current configuration maps it to),
      X2 = the previous date's data under the current configuration and the current segment and
           weight profile,
    score_change_from_config  = X1 - P when the previous row's config_fingerprint differs, else 0
    score_change_from_profile = X2 - X1 when the segment or weight profile changed, else 0
    score_change_from_data    = score_change - the two: the current score - X2 when both apply;
    the three add up to score_change = health_score - P. X1 or X2 is the computed view's row of
    the previous date when that row has the segment and profile asked for, else the previous
    date's signals are scored here under them (previous_date_rescored: a few accounts, those
    whose segment changed). A percentile-curve signal is then ranked among the previous date's
    accounts of the profile asked for, with the account added alone (exact unless several
    accounts moved into one profile on one date). A step whose score is null (coverage below
    the minimum under the other profile) is skipped: its change stays in the next part.
-#}

{%- set fingerprint = scoring_config_fingerprint() %}
{%- set min_coverage = var('healthscore_min_coverage') | float %}

with

scores as (

    select * from {{ ref('int_account_health_scored') }}
    where is_cadence_date
        and is_customer
        and as_of_date in ({{ dates_to_build() }})
        and as_of_date not in ({{ dates_published_under_another_configuration() }})

),

previous_computed as (

    select
        account_id,
        as_of_date,
        segment,
        weight_profile,
        health_score
    from {{ ref('int_account_health_scored') }}
    where as_of_date in (select distinct scores.previous_period_date from scores)

),

previous_published as (

    select
        account_id,
        as_of_date,
        segment,
        weight_profile,
        health_score,
        health_band,
        '{{ fingerprint }}' as config_fingerprint
    from scores
    {%- if is_incremental() %}
    union all
    select
        published.account_id,
        published.as_of_date,
        published.segment,
        published.weight_profile,
        published.health_score,
        published.health_band,
        published.config_fingerprint
    from {{ this }} as published
    where published.as_of_date not in (select distinct scores.as_of_date from scores)
        and published.as_of_date in (select distinct scores.previous_period_date from scores)
    {%- endif %}

),

segment_profiles as (

    select
        segment,
        weight_profile
    from {{ ref('segment_weight_profiles') }}

),

-- Each change with what its attribution needs: the published previous row (P) and the
-- computed view's previous row (X1 or X2 when its segment and profile are the ones asked for).
changes as (

    select
        scores.account_id,
        scores.as_of_date,
        scores.previous_period_date,
        scores.segment,
        scores.weight_profile,
        scores.health_score,
        previous_published.health_score as published_score,
        previous_published.health_band as published_band,
        previous_published.config_fingerprint as previous_config_fingerprint,
        previous_published.segment as previous_segment,
        previous_published.weight_profile as previous_weight_profile,
        coalesce(previous_segment_profiles.weight_profile, 'default') as previous_segment_profile_now,
        previous_computed.segment as computed_segment,
        previous_computed.weight_profile as computed_weight_profile,
        previous_computed.health_score as computed_score,
        previous_published.config_fingerprint <> '{{ fingerprint }}' as is_config_changed,
        coalesce(previous_published.segment, '') <> coalesce(scores.segment, '')
        or previous_published.weight_profile <> scores.weight_profile as is_profile_changed
    from scores
    inner join previous_published
        on scores.account_id = previous_published.account_id
        and scores.previous_period_date = previous_published.as_of_date
    left join previous_computed
        on scores.account_id = previous_computed.account_id
        and scores.previous_period_date = previous_computed.as_of_date
    left join segment_profiles as previous_segment_profiles
        on previous_published.segment = previous_segment_profiles.segment

),

-- The previous dates to score here: under the previous segment (X1) or the current one (X2)
-- when the computed view's previous row has another segment or profile.
rescore_requests as (

    select
        account_id,
        as_of_date,
        previous_period_date,
        'x1' as step,
        previous_segment as segment,
        previous_segment_profile_now as weight_profile
    from changes
    where (is_config_changed or is_profile_changed)
        and (
            computed_score is null
            or coalesce(computed_segment, '') <> coalesce(previous_segment, '')
            or computed_weight_profile <> previous_segment_profile_now
        )
    union all
    select
        account_id,
        as_of_date,
        previous_period_date,
        'x2' as step,
        segment,
        weight_profile
    from changes
    where is_profile_changed
        and (
            computed_score is null
            or coalesce(computed_segment, '') <> coalesce(segment, '')
            or computed_weight_profile <> weight_profile
        )

),

previous_signals as (

    select
        account_id,
        as_of_date,
        signal,
        category,
        raw_value,
        has_data
    from {{ ref('int_account_signals_scored') }}
    where as_of_date in (select distinct rescore_requests.previous_period_date from rescore_requests)

),

previous_account_dates as (

    select
        account_id,
        as_of_date,
        weight_profile,
        is_customer
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in (select distinct rescore_requests.previous_period_date from rescore_requests)

),

catalogue as (

    select
        signal,
        signal_family
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

weights as (

    select
        weight_profile,
        signal,
        cast(weight as {{ type_double() }}) as weight
    from {{ ref('weight_profiles') }}

),

learned_curves as (

    select distinct
        weight_profile,
        signal
    from curve_knots

),

-- The requested accounts' previous-date signals with the rule of the segment asked for and
-- whether the profile asked for has a learned curve (as in int_account_signals_scored).
requested_signals as (

    select
        rescore_requests.account_id,
        rescore_requests.as_of_date,
        rescore_requests.previous_period_date,
        rescore_requests.step,
        rescore_requests.weight_profile,
        previous_signals.signal,
        previous_signals.raw_value,
        previous_signals.has_data,
        previous_account_dates.is_customer,
        learned.signal is not null as has_learned_curve,
        coalesce(
            segment_rules.worst_value, default_rules.worst_value,
            family_segment_rules.worst_value, family_default_rules.worst_value
        ) as worst_value,
        coalesce(
            segment_rules.best_value, default_rules.best_value,
            family_segment_rules.best_value, family_default_rules.best_value
        ) as best_value,
        coalesce(
            segment_rules.curve, default_rules.curve, family_segment_rules.curve, family_default_rules.curve
        ) as curve
    from rescore_requests
    inner join previous_signals
        on rescore_requests.account_id = previous_signals.account_id
        and rescore_requests.previous_period_date = previous_signals.as_of_date
    inner join previous_account_dates
        on rescore_requests.account_id = previous_account_dates.account_id
        and rescore_requests.previous_period_date = previous_account_dates.as_of_date
    inner join catalogue
        on previous_signals.signal = catalogue.signal
    left join rules as segment_rules
        on previous_signals.signal = segment_rules.signal
        and rescore_requests.segment = segment_rules.segment
    left join rules as default_rules
        on previous_signals.signal = default_rules.signal
        and default_rules.segment = 'default'
    left join rules as family_segment_rules
        on catalogue.signal_family = family_segment_rules.signal
        and rescore_requests.segment = family_segment_rules.segment
    left join rules as family_default_rules
        on catalogue.signal_family = family_default_rules.signal
        and family_default_rules.segment = 'default'
    left join learned_curves as learned
        on rescore_requests.weight_profile = learned.weight_profile
        and previous_signals.signal = learned.signal

),

-- A learned curve: straight lines between its knots, flat beyond the first and last knot.
curve_segments as (

    select
        weight_profile,
        signal,
        raw_value as from_value,
        score as from_score,
        lead(raw_value) over (partition by weight_profile, signal order by raw_value) as to_value,
        lead(score) over (partition by weight_profile, signal order by raw_value) as to_score,
        min(raw_value) over (partition by weight_profile, signal) as first_value,
        max(raw_value) over (partition by weight_profile, signal) as last_value
    from curve_knots

),

learned_scores as (

    select
        requested_signals.account_id,
        requested_signals.as_of_date,
        requested_signals.step,
        requested_signals.signal,
        max(case
            when requested_signals.raw_value <= curve_segments.first_value
                and curve_segments.from_value = curve_segments.first_value
                then curve_segments.from_score
            when requested_signals.raw_value >= curve_segments.last_value
                and curve_segments.from_value = curve_segments.last_value
                then curve_segments.from_score
            when requested_signals.raw_value > curve_segments.first_value
                and requested_signals.raw_value < curve_segments.last_value
                and requested_signals.raw_value >= curve_segments.from_value
                and requested_signals.raw_value < curve_segments.to_value
                then curve_segments.from_score
                    + (requested_signals.raw_value - curve_segments.from_value)
                    * (curve_segments.to_score - curve_segments.from_score)
                    / (curve_segments.to_value - curve_segments.from_value)
        end) as signal_score
    from requested_signals
    inner join curve_segments
        on requested_signals.weight_profile = curve_segments.weight_profile
        and requested_signals.signal = curve_segments.signal
    where requested_signals.has_learned_curve
        and requested_signals.has_data
    group by
        requested_signals.account_id,
        requested_signals.as_of_date,
        requested_signals.step,
        requested_signals.signal

),

-- The previous dates' accounts with data per signal, with their profile: whom a percentile
-- signal is ranked among.
percentile_population as (

    select
        previous_signals.account_id,
        previous_signals.as_of_date,
        previous_signals.signal,
        previous_signals.raw_value,
        previous_account_dates.weight_profile,
        previous_account_dates.is_customer
    from previous_signals
    inner join previous_account_dates
        on previous_signals.account_id = previous_account_dates.account_id
        and previous_signals.as_of_date = previous_account_dates.as_of_date
    where previous_signals.has_data

),

-- A percentile signal: the account's mid-rank among the previous date's accounts of the
-- profile asked for (same customer status, with data), the account itself added to them.
percentile_scores as (

    select
        requested_signals.account_id,
        requested_signals.as_of_date,
        requested_signals.step,
        requested_signals.signal,
        max(requested_signals.worst_value) as worst_value,
        max(requested_signals.best_value) as best_value,
        -- percent_rank: the accounts below / the others; cume_dist: those at or below / all.
        (
            case
                when count(population.account_id) = 0 then 0.0
                else cast(
                        sum(case when population.raw_value < requested_signals.raw_value then 1 else 0 end)
                        as {{ type_double() }}
                    ) / cast(count(population.account_id) as {{ type_double() }})
            end
            + cast(
                sum(case when population.raw_value <= requested_signals.raw_value then 1 else 0 end) + 1
                as {{ type_double() }}
            ) / cast(count(population.account_id) + 1 as {{ type_double() }})
        ) / 2.0 as mid_rank
    from requested_signals
    left join percentile_population as population
        on requested_signals.previous_period_date = population.as_of_date
        and requested_signals.signal = population.signal
        and requested_signals.weight_profile = population.weight_profile
        and requested_signals.is_customer = population.is_customer
        and requested_signals.account_id <> population.account_id
    where not requested_signals.has_learned_curve
        and requested_signals.curve = 'percentile'
        and requested_signals.has_data
    group by
        requested_signals.account_id,
        requested_signals.as_of_date,
        requested_signals.step,
        requested_signals.signal

),

rescored_signals as (

    select
        requested_signals.account_id,
        requested_signals.as_of_date,
        requested_signals.step,
        requested_signals.signal,
        requested_signals.has_data,
        coalesce(weights.weight, 0.0) as weight,
        cast({{ round_to(
            'case when requested_signals.has_learned_curve then learned_scores.signal_score'
            ~ " when requested_signals.curve = 'percentile' then case when percentile_scores.best_value >= percentile_scores.worst_value"
            ~ ' then 100.0 * percentile_scores.mid_rank else 100.0 * (1.0 - percentile_scores.mid_rank) end'
            ~ ' else ' ~ score_between('requested_signals.raw_value', 'requested_signals.worst_value', 'requested_signals.best_value', 'requested_signals.curve')
            ~ ' end'
        ) }} as {{ type_double() }}) as signal_score
    from requested_signals
    left join learned_scores
        on requested_signals.account_id = learned_scores.account_id
        and requested_signals.as_of_date = learned_scores.as_of_date
        and requested_signals.step = learned_scores.step
        and requested_signals.signal = learned_scores.signal
    left join percentile_scores
        on requested_signals.account_id = percentile_scores.account_id
        and requested_signals.as_of_date = percentile_scores.as_of_date
        and requested_signals.step = percentile_scores.step
        and requested_signals.signal = percentile_scores.signal
    left join weights
        on requested_signals.weight_profile = weights.weight_profile
        and requested_signals.signal = weights.signal

),

-- The weighted mean over the signals with data, as int_signal_contributions and
-- int_account_health_scored compute it (null below the minimum coverage).
rescored_totals as (

    select
        account_id,
        as_of_date,
        step,
        cast(sum(cast(weight as decimal(24, 12))) as {{ type_double() }}) as profile_weight,
        cast(
            sum(case when has_data then cast(weight as decimal(24, 12)) else 0 end) as {{ type_double() }}
        ) as present_weight
    from rescored_signals
    group by account_id, as_of_date, step

),

previous_date_rescored as (

    select
        rescored_signals.account_id,
        rescored_signals.as_of_date,
        rescored_signals.step,
        case
            when max(rescored_totals.profile_weight) > 0
                and max(rescored_totals.present_weight) / max(rescored_totals.profile_weight) >= {{ min_coverage }}
                then {{ round_to(
                    'greatest(0.0, least(100.0, cast(sum(cast(case when rescored_signals.has_data and rescored_totals.present_weight > 0'
                    ~ ' then rescored_signals.weight / rescored_totals.present_weight * rescored_signals.signal_score else 0.0 end'
                    ~ ' as decimal(24, 12))) as ' ~ type_double() ~ ')))'
                ) }}
        end as health_score
    from rescored_signals
    inner join rescored_totals
        on rescored_signals.account_id = rescored_totals.account_id
        and rescored_signals.as_of_date = rescored_totals.as_of_date
        and rescored_signals.step = rescored_totals.step
    group by rescored_signals.account_id, rescored_signals.as_of_date, rescored_signals.step

),

-- X1 and X2 of each change: the rescored previous date when one was asked for, else the
-- computed view's previous row.
attributed as (

    select
        changes.account_id,
        changes.as_of_date,
        changes.health_score,
        changes.published_score,
        changes.published_band,
        changes.previous_config_fingerprint,
        changes.previous_segment,
        changes.previous_weight_profile,
        changes.is_config_changed,
        changes.is_profile_changed,
        case when x1.step is null then changes.computed_score else x1.health_score end as x1_score,
        case when x2.step is null then changes.computed_score else x2.health_score end as x2_score
    from changes
    left join previous_date_rescored as x1
        on changes.account_id = x1.account_id
        and changes.as_of_date = x1.as_of_date
        and x1.step = 'x1'
    left join previous_date_rescored as x2
        on changes.account_id = x2.account_id
        and changes.as_of_date = x2.as_of_date
        and x2.step = 'x2'

),

-- The configuration and profile parts; an unknown (null) X1 counts as P: no step is taken.
parts as (

    select
        account_id,
        as_of_date,
        published_score,
        published_band,
        previous_config_fingerprint,
        previous_segment,
        previous_weight_profile,
        case
            when health_score is null or published_score is null then null
            when is_config_changed then {{ round_to('coalesce(x1_score, published_score) - published_score') }}
            else 0.0
        end as score_change_from_config,
        case
            when health_score is null or published_score is null then null
            when is_profile_changed and x2_score is not null
                then {{ round_to('x2_score - coalesce(x1_score, published_score)') }}
            else 0.0
        end as score_change_from_profile
    from attributed

),

final as (

    select
        cast(scores.account_id as {{ dbt.type_string() }}) as account_id,
        cast(scores.as_of_date as date) as as_of_date,
        cast(scores.segment as {{ dbt.type_string() }}) as segment,
        cast(scores.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(scores.health_score as {{ type_double() }}) as health_score,
        cast(scores.health_band as {{ dbt.type_string() }}) as health_band,
        cast(scores.band_action as {{ dbt.type_string() }}) as band_action,
        cast(scores.score_status as {{ dbt.type_string() }}) as score_status,
        cast(scores.score_null_reason as {{ dbt.type_string() }}) as score_null_reason,
        cast(scores.coverage as {{ type_double() }}) as coverage,
        cast(scores.product_score as {{ type_double() }}) as product_score,
        cast(scores.support_score as {{ type_double() }}) as support_score,
        cast(scores.commercial_score as {{ type_double() }}) as commercial_score,
        cast(scores.relationship_score as {{ type_double() }}) as relationship_score,
        cast(scores.top_negative_driver_1 as {{ dbt.type_string() }}) as top_negative_driver_1,
        cast(scores.top_negative_driver_2 as {{ dbt.type_string() }}) as top_negative_driver_2,
        cast(scores.top_negative_driver_3 as {{ dbt.type_string() }}) as top_negative_driver_3,
        cast(scores.top_negative_drivers as {{ dbt.type_string() }}) as top_negative_drivers,
        cast(scores.top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast(scores.top_positive_drivers as {{ dbt.type_string() }}) as top_positive_drivers,
        cast(scores.missing_signals as {{ dbt.type_string() }}) as missing_signals,
        cast(parts.published_score as {{ type_double() }}) as previous_health_score,
        cast(parts.published_band as {{ dbt.type_string() }}) as previous_health_band,
        cast({{ round_to('scores.health_score - parts.published_score') }} as {{ type_double() }}) as score_change,
        cast(scores.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast(scores.top_negative_drivers_text as {{ dbt.type_string() }}) as top_negative_drivers_text,
        cast(scores.top_positive_drivers_text as {{ dbt.type_string() }}) as top_positive_drivers_text,
        cast(scores.change_drivers_text as {{ dbt.type_string() }}) as change_drivers_text,
        cast(scores.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(scores.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast(scores.term_end_date as date) as term_end_date,
        cast(scores.is_cadence_date as {{ dbt.type_boolean() }}) as is_cadence_date,
        cast('{{ fingerprint }}' as {{ dbt.type_string() }}) as config_fingerprint,
        cast(parts.previous_config_fingerprint as {{ dbt.type_string() }}) as previous_config_fingerprint,
        cast(parts.previous_segment as {{ dbt.type_string() }}) as previous_segment,
        cast(parts.previous_weight_profile as {{ dbt.type_string() }}) as previous_weight_profile,
        cast(
            {{ round_to('scores.health_score - parts.published_score') }}
            - parts.score_change_from_config - parts.score_change_from_profile
            as {{ type_double() }}
        ) as score_change_from_data,
        cast(parts.score_change_from_config as {{ type_double() }}) as score_change_from_config,
        cast(parts.score_change_from_profile as {{ type_double() }}) as score_change_from_profile,
        {{ written_by_this_run() }} as dbt_run_started_at
    from scores
    left join parts
        on scores.account_id = parts.account_id
        and scores.as_of_date = parts.as_of_date

)

select * from final
