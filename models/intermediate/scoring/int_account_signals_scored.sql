{{ config(**incremental_by_date()) }}

{#-
    Every signal of every account on every scoring date, with its 0-100 score: the long feature
    table. The scoring rule is the signal_scoring_rules row for the account's segment, else the
    'default' row (macro score_between: linear or log interpolation between worst_value and
    best_value, clamped). A signal without data keeps a null score and says why.
-#}

with

signals as (

    {%- for category in ['product', 'support', 'commercial', 'relationship'] %}
    select * from {{ ref('int_' ~ category ~ '_signals') }}
    where as_of_date in ({{ dates_to_build() }})
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

account_dates as (

    select
        account_id,
        as_of_date,
        segment
    from {{ ref('int_account_scoring_dates') }}

),

catalogue as (

    select
        signal,
        category
    from {{ ref('signal_catalogue') }}

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

with_rules as (

    select
        signals.account_id,
        signals.as_of_date,
        signals.is_cadence_date,
        signals.signal,
        catalogue.category,
        signals.raw_value,
        signals.has_data,
        signals.missing_reason,
        signals.latest_input_at,
        coalesce(segment_rules.worst_value, default_rules.worst_value) as worst_value,
        coalesce(segment_rules.best_value, default_rules.best_value) as best_value,
        coalesce(segment_rules.curve, default_rules.curve) as curve
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

),

final as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        signal,
        category,
        raw_value,
        cast({{ round_to(score_between('raw_value', 'worst_value', 'best_value', 'curve')) }} as {{ type_double() }}) as signal_score,
        has_data,
        missing_reason,
        latest_input_at,
        worst_value,
        best_value,
        curve,
        {{ written_by_this_run() }} as dbt_run_started_at
    from with_rules

)

select * from final
