{#- The start of the running dbt invocation (UTC), the value of dbt_run_started_at: the column by
    which the data tests of a model that opts in read only the latest run's rows
    (macro get_where_subquery). -#}
{% macro written_by_this_run() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
