{#- The newest value of the date column `column` in `relation` (YYYY-MM-DD text) plus `days`, or
    '1900-01-01' when the relation has no rows. Read with a query when the model runs, so that
    the window reaches the SQL as a constant an engine can filter a scan with. -#}
{% macro newest_date_plus(relation, column, days=0) -%}
    {%- if not execute -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set newest = run_query('select max(' ~ column ~ ') from ' ~ relation).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set newest_date = modules.datetime.date.fromisoformat((newest | string)[:10]) -%}
    {{ return((newest_date + modules.datetime.timedelta(days=days)).isoformat()) }}
{%- endmacro %}
