{#- The raw day a row is filed under by raw_product_events_from: the first ten characters of a
    timestamp text that starts with a date, or 'undated' (such rows are read by every run). -#}
{% macro raw_event_day(text_expression) -%}
    case
        when {{ text_expression }} like '____-__-__%' then left({{ text_expression }}, 10)
        else 'undated'
    end
{%- endmacro %}
