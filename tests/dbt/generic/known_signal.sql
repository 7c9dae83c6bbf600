{#-
    Rule: every value of `column_name` names a signal the project computes: a built-in signal of
    the signal_catalogue seed, an event-signal family (event_signal_metrics(), whose rules score
    every event signal of that metric), or an event signal '<family>:<event name>'.
    Returns the rows that name none of these (a typo in a seed, or a removed signal).
-#}
{% test known_signal(model, column_name) %}

with

catalogue as (

    select signal from {{ ref('signal_catalogue') }}

),

families as (

    {%- for item in event_signal_metrics() %}
    select '{{ item.metric }}' as signal_family
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

named as (

    select
        {{ column_name }} as signal,
        case
            when {{ dbt.position("':'", column_name) }} > 0
                then substr({{ column_name }}, 1, {{ dbt.position("':'", column_name) }} - 1)
        end as event_signal_family
    from {{ model }}

)

select named.signal
from named
where named.signal not in (select signal from catalogue)
    and named.signal not in (select signal_family from families)
    and (
        named.event_signal_family is null
        or named.event_signal_family not in (select signal_family from families)
    )

{% endtest %}
