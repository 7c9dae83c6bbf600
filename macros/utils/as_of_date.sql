{#-
    The date the run scores "as of", as a SQL date expression: the healthscore_as_of_date var
    (YYYY-MM-DD) or, when it is null, today's date in UTC. Every point-in-time filter compares a
    row's own timestamp with this date: a row counts as of D when its timestamp falls on or
    before D (that is, before D + 1 day).
-#}
{% macro as_of_date() -%}
    {%- set configured = var('healthscore_as_of_date', none) -%}
    {%- if configured is none or configured | string | trim == '' -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- else -%}
        {%- set text = configured | string | trim -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
            {{ exceptions.raise_compiler_error("healthscore_as_of_date must be a date written YYYY-MM-DD, got '" ~ text ~ "'.") }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{%- endmacro %}
