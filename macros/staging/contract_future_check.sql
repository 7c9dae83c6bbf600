{#- The CASE branch for the table's record timestamp (meta.record_timestamp) lying after the
    run's as-of date: such a row is not yet known as of that date, so it is quarantined. -#}
{% macro contract_future_check(source_name, table_name, alias) -%}
    {%- set record_timestamp = contract_table(table_name)['record_timestamp'] -%}
    {%- if record_timestamp %}
            when cast({{ alias }}.{{ record_timestamp }} as date) > {{ as_of_date() }} then 'future_{{ record_timestamp }}'
    {%- endif -%}
{%- endmacro %}
