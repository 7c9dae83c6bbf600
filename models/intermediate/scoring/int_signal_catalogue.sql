{#-
    Every signal the run computes: the built-in ones of the signal_catalogue seed, and the
    signals of the company's own event names (int_product_event_names_selected), one per metric
    of event_signal_metrics() and event name. signal_family names the rule a signal falls back to in
    signal_scoring_rules: its own name for a built-in signal, its metric (e.g.
    'event_count_28d') for an event signal. value_format, driver_phrase and driver_phrase_zero
    word the signal as a driver (macro driver_phrase), with the event name in an event signal's.
-#}

with

seeded as (

    select
        signal,
        signal as signal_family,
        category,
        label,
        unit,
        source_tables,
        description,
        value_format,
        driver_phrase,
        driver_phrase_zero,
        cast(null as {{ dbt.type_string() }}) as event_name
    from {{ ref('signal_catalogue') }}

),

event_names as (

    select event_name from {{ ref('int_product_event_names_selected') }}

),

event_signals as (

    {%- for item in event_signal_metrics() %}
    select
        {{ dbt.concat(["'" ~ item.metric ~ ":'", 'event_name']) }} as signal,
        '{{ item.metric }}' as signal_family,
        'product' as category,
        {{ dbt.concat(['event_name', "': " ~ item.label ~ "'"]) }} as label,
        '{{ item.unit }}' as unit,
        'product_events' as source_tables,
        '{{ item.description }}' as description,
        '{{ item.value_format }}' as value_format,
        replace('{{ item.driver_phrase }}', '{event}', event_name) as driver_phrase,
        {%- if item.driver_phrase_zero %}
        replace('{{ item.driver_phrase_zero }}', '{event}', event_name) as driver_phrase_zero,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as driver_phrase_zero,
        {%- endif %}
        event_name
    from event_names
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select * from seeded
    union all
    select
        cast(signal as {{ dbt.type_string() }}) as signal,
        cast(signal_family as {{ dbt.type_string() }}) as signal_family,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(label as {{ dbt.type_string() }}) as label,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(source_tables as {{ dbt.type_string() }}) as source_tables,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(value_format as {{ dbt.type_string() }}) as value_format,
        cast(driver_phrase as {{ dbt.type_string() }}) as driver_phrase,
        cast(driver_phrase_zero as {{ dbt.type_string() }}) as driver_phrase_zero,
        cast(event_name as {{ dbt.type_string() }}) as event_name
    from event_signals

)

select * from final
