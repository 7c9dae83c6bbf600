{#-
    The date the run scores "as of", as a SQL date expression: the healthscore_as_of_date var
    (YYYY-MM-DD) or, when it is null, the HEALTHSCORE_AS_OF_DATE environment variable, or, when
    neither is set, today's date in UTC. The orchestration passes the environment variable: dbt
    re-parses the whole project when a var changes, and a daily run changes the date every day;
    the variable is read only when SQL is compiled (below), so a new date re-parses nothing.
    Every point-in-time filter compares a row's own timestamp with this date: a row counts as
    of D when its timestamp falls on or before D (that is, before D + 1 day).
-#}
{% macro as_of_date() -%}
    {%- set configured = var('healthscore_as_of_date', none) -%}
    {#- Read at execution only: a file that reads an environment variable while dbt parses it is
        re-parsed whenever the variable changes, and the date never changes a model's graph. -#}
    {%- if execute and (configured is none or configured | string | trim == '') -%}
        {%- set configured = env_var('HEALTHSCORE_AS_OF_DATE', '') -%}
    {%- endif -%}
    {%- if configured is none or configured | string | trim == '' -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- else -%}
        {%- set text = configured | string | trim -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
            {{ exceptions.raise_compiler_error("healthscore_as_of_date (or HEALTHSCORE_AS_OF_DATE) must be a date written YYYY-MM-DD, got '" ~ text ~ "'.") }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{%- endmacro %}
