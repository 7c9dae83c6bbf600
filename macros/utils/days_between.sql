{#- Whole days from `start_date` to `end_date` (dates or timestamps cast to date). -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff('cast(' ~ start_date ~ ' as date)', 'cast(' ~ end_date ~ ' as date)', 'day') }}
{%- endmacro %}
