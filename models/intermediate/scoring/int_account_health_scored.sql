{{ config(**incremental_by_date(rescored_on_config_change=true)) }}

{#-
    One row per account and scoring date: the weighted 0-100 health score and its explanation.
      coverage        share of the profile's weight whose signals had data
      health_score    sum of contribution_points, i.e. the weighted mean of the present signals'
                      scores with the missing signals' weight redistributed; null (never 50)
                      when the account is not a customer on the date or coverage is below
                      healthscore_min_coverage, with score_status and score_null_reason saying so
      <category>_score the same weighted mean within one category; null when none had data,
                      and when the health score is null (no subscores without a score)
      drivers         top three negative and positive signals by impact_points, and the three
                      signals whose impact moved most since the previous period: as keys with
                      their points (top_negative_drivers, ...), and in words with their points
                      (top_negative_drivers_text, ...: macro driver_phrase, worded by the
                      signal_catalogue seed), e.g. '3 high/urgent tickets open (-2.6 points)'
    Incremental by date (dates_to_build); the previous period of the oldest recomputed date is
    read from the rows already built. Which row is current is not stored: it is the row of the
    run's as-of date.
-#}

{%- set categories = ['product', 'support', 'commercial', 'relationship'] -%}
{%- set min_coverage = var('healthscore_min_coverage') | float -%}
{#- A change driver's points are its change over one cadence step. -#}
{%- set cadence_step = 'a day' if var('healthscore_score_cadence') == 'daily' else 'a week' -%}

with

account_dates as (

    select * from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

contributions as (

    select * from {{ ref('int_signal_contributions') }}
    where as_of_date in ({{ dates_to_build() }})

),

catalogue as (

    select
        signal,
        label,
        value_format,
        driver_phrase,
        driver_phrase_zero
    from {{ ref('int_signal_catalogue') }}

),

bands as (

    select
        health_band,
        cast(min_score as {{ type_double() }}) as min_score,
        cast(max_score as {{ type_double() }}) as max_score,
        band_action,
        band_rank
    from {{ ref('health_bands') }}

),

totals as (

    select
        account_id,
        as_of_date,
        max(profile_weight) as profile_weight,
        max(present_weight) as present_weight,
        -- Summed as decimals: exact and independent of the order parallel workers add rows in,
        -- so the same data always gives the same score, bit for bit.
        sum(cast(contribution_points as decimal(24, 12))) as weighted_score,
        {%- for category in categories %}
        {{ round_to(
            "sum(case when category = '" ~ category ~ "' and has_data then cast(weight * signal_score as decimal(24, 12)) end)"
            ~ " / nullif(sum(case when category = '" ~ category ~ "' and has_data then cast(weight as decimal(24, 12)) end), 0)"
        ) }} as {{ category }}_score,
        {%- endfor %}
        sum(case when weight > 0 and has_data then 1 else 0 end) as signals_with_data,
        sum(case when weight > 0 then 1 else 0 end) as signals_weighted
    from contributions
    group by account_id, as_of_date

),

ranked as (

    select
        account_id,
        as_of_date,
        signal,
        weight,
        has_data,
        raw_value,
        impact_points,
        impact_change_points,
        row_number() over (
            partition by account_id, as_of_date
            order by impact_points, signal
        ) as negative_rank,
        row_number() over (
            partition by account_id, as_of_date
            order by impact_points desc, signal asc
        ) as positive_rank,
        row_number() over (
            partition by account_id, as_of_date
            order by abs(coalesce(impact_change_points, 0.0)) desc, signal
        ) as change_rank,
        row_number() over (
            partition by account_id, as_of_date
            order by case when has_data then 1 else 0 end, weight desc, signal asc
        ) as missing_rank
    from contributions

),

phrased as (

    {#- The signals some driver list names, worded (only these: wording every row costs). #}
    select
        ranked.account_id,
        ranked.as_of_date,
        ranked.impact_points,
        ranked.impact_change_points,
        ranked.negative_rank,
        ranked.positive_rank,
        ranked.change_rank,
        {{ driver_phrase(
            'catalogue.value_format', 'catalogue.driver_phrase', 'catalogue.driver_phrase_zero',
            'catalogue.label', 'ranked.raw_value'
        ) }} as phrase
    from ranked
    inner join catalogue
        on ranked.signal = catalogue.signal
    where ranked.negative_rank <= 3
        or ranked.positive_rank <= 3
        or ranked.change_rank <= 3

),

driver_texts as (

    {#- The same ranks and conditions as the key lists of drivers, in words. #}
    select
        account_id,
        as_of_date,
        {{ first_three_joined(
            "case when negative_rank = {rank} and impact_points < 0 then " ~ dbt.concat(["phrase", "' ('", format_points('impact_points'), "' points)'"]) ~ " end", "'; '") }} as top_negative_drivers_text,
        {{ first_three_joined(
            "case when positive_rank = {rank} and impact_points > 0 then " ~ dbt.concat(["phrase", "' (+'", format_points('impact_points'), "' points)'"]) ~ " end", "'; '") }} as top_positive_drivers_text,
        {{ first_three_joined(
            "case when change_rank = {rank} and abs(impact_change_points) >= 0.05 then " ~ dbt.concat(["phrase", "' ('", "case when impact_change_points > 0 then '+' else '' end", format_points('impact_change_points'), "' points in " ~ cadence_step ~ ")'"]) ~ " end", "'; '") }} as change_drivers_text
    from phrased
    group by account_id, as_of_date

),

drivers as (

    select
        account_id,
        as_of_date,
        max(case when negative_rank = 1 and impact_points < 0 then signal end) as top_negative_driver_1,
        max(case when negative_rank = 2 and impact_points < 0 then signal end) as top_negative_driver_2,
        max(case when negative_rank = 3 and impact_points < 0 then signal end) as top_negative_driver_3,
        max(case when positive_rank = 1 and impact_points > 0 then signal end) as top_positive_driver,
        {#- The first three ranks, joined by '; ' (null when the first is null). A rank that
            qualifies implies every smaller rank does (the condition follows the rank's order),
            so this lists what an ordered string aggregation would, at a fraction of its cost. #}
        {{ first_three_joined(
            "case when negative_rank = {rank} and impact_points < 0 then " ~ dbt.concat(["signal", "' ('", format_points('impact_points'), "')'"]) ~ " end", "'; '") }} as top_negative_drivers,
        {{ first_three_joined(
            "case when positive_rank = {rank} and impact_points > 0 then " ~ dbt.concat(["signal", "' (+'", format_points('impact_points'), "')'"]) ~ " end", "'; '") }} as top_positive_drivers,
        {{ first_three_joined(
            "case when change_rank = {rank} and abs(impact_change_points) >= 0.05 then " ~ dbt.concat(["signal", "' ('", "case when impact_change_points > 0 then '+' else '' end", format_points('impact_change_points'), "')'"]) ~ " end", "'; '") }} as change_drivers,
        {{ ordered_listagg(
            "case when weight > 0 and not has_data then signal end", "', '", 'missing_rank'
        ) }} as missing_signals
    from ranked
    group by account_id, as_of_date

),

scored as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.previous_period_date,
        account_dates.is_cadence_date,
        account_dates.is_customer,
        account_dates.segment,
        account_dates.weight_profile,
        account_dates.licensed_seats,
        account_dates.arr,
        account_dates.term_end_date,
        totals.present_weight / nullif(totals.profile_weight, 0) as coverage,
        case
            when not account_dates.is_customer then 'not_a_customer'
            when coalesce(totals.profile_weight, 0) = 0 then 'no_weights'
            when totals.present_weight / totals.profile_weight < {{ min_coverage }} then 'insufficient_coverage'
            else 'scored'
        end as score_status,
        totals.weighted_score,
        {%- for category in categories %}
        totals.{{ category }}_score,
        {%- endfor %}
        totals.signals_with_data,
        totals.signals_weighted
    from account_dates
    left join totals
        on account_dates.account_id = totals.account_id
        and account_dates.as_of_date = totals.as_of_date

),

with_score as (

    select
        scored.account_id,
        scored.as_of_date,
        scored.previous_period_date,
        scored.is_cadence_date,
        scored.is_customer,
        scored.segment,
        scored.weight_profile,
        scored.licensed_seats,
        scored.arr,
        scored.term_end_date,
        scored.coverage,
        scored.score_status,
        case
            when scored.score_status = 'not_a_customer'
                then 'no contract term in force (or within the renewal grace window) on this date'
            when scored.score_status = 'no_weights'
                then {{ dbt.concat(["'weight profile '", "scored.weight_profile", "' gives no signal a weight'"]) }}
            when scored.score_status = 'insufficient_coverage'
                then {{ dbt.concat([
                    "'only '", format_points('100.0 * scored.coverage'),
                    "'% of the weight had data (minimum " ~ (min_coverage * 100) | round(1) ~ "%)'"
                ]) }}
        end as score_null_reason,
        -- A weighted mean of 0-100 scores; the clamp only removes floating-point dust (1e-14).
        case
            when scored.score_status = 'scored' then {{ round_to(
                'greatest(0.0, least(100.0, cast(scored.weighted_score as ' ~ type_double() ~ ')))'
            ) }}
        end as health_score,
        {%- for category in categories %}
        case when scored.score_status = 'scored' then scored.{{ category }}_score end as {{ category }}_score,
        {%- endfor %}
        scored.signals_with_data,
        scored.signals_weighted
    from scored

),

banded as (

    select
        with_score.*,
        bands.health_band,
        bands.band_action,
        bands.band_rank
    from with_score
    left join bands
        on {{ score_in_band('with_score.health_score', 'bands') }}

),

previous_scores as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band
    from banded
    {% if is_incremental() %}
    union all
    select account_id, as_of_date, health_score, health_band from {{ this }}
    where is_cadence_date
        and as_of_date not in ({{ dates_to_build() }})
        -- only the dates some recomputed row looks back to: not the whole history
        and as_of_date in (select distinct account_dates.previous_period_date from account_dates)
    {% endif %}

),

final as (

    select
        banded.account_id,
        banded.as_of_date,
        banded.is_cadence_date,
        banded.is_customer,
        banded.segment,
        banded.weight_profile,
        banded.licensed_seats,
        banded.arr,
        banded.term_end_date,
        banded.health_score,
        banded.health_band,
        banded.band_action,
        banded.band_rank,
        banded.score_status,
        banded.score_null_reason,
        banded.coverage,
        {%- for category in categories %}
        banded.{{ category }}_score,
        {%- endfor %}
        banded.signals_with_data,
        banded.signals_weighted,
        {%- for column in [
            'top_negative_driver_1', 'top_negative_driver_2', 'top_negative_driver_3', 'top_negative_drivers',
            'top_positive_driver', 'top_positive_drivers'
        ] %}
        case when banded.health_score is not null then drivers.{{ column }} end as {{ column }},
        {%- endfor %}
        case when banded.health_score is not null then driver_texts.top_negative_drivers_text end
            as top_negative_drivers_text,
        case when banded.health_score is not null then driver_texts.top_positive_drivers_text end
            as top_positive_drivers_text,
        drivers.missing_signals,
        banded.previous_period_date,
        previous_period.health_score as previous_health_score,
        previous_period.health_band as previous_health_band,
        {{ round_to('banded.health_score - previous_period.health_score') }} as score_change,
        case
            when banded.health_score is not null and previous_period.health_score is not null
                then drivers.change_drivers
        end as change_drivers,
        case
            when banded.health_score is not null and previous_period.health_score is not null
                then driver_texts.change_drivers_text
        end as change_drivers_text,
        cast('{{ scoring_config_fingerprint() }}' as {{ dbt.type_string() }}) as config_fingerprint,
        {{ written_by_this_run() }} as dbt_run_started_at
    from banded
    left join drivers
        on banded.account_id = drivers.account_id
        and banded.as_of_date = drivers.as_of_date
    left join driver_texts
        on banded.account_id = driver_texts.account_id
        and banded.as_of_date = driver_texts.as_of_date
    left join previous_scores as previous_period
        on banded.account_id = previous_period.account_id
        and banded.previous_period_date = previous_period.as_of_date

)

select * from final
