{#- An 8-byte floating point type, spelled the way each engine (and dbt's contracts) expects. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'healthscore')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}


{#- `expression` as an 8-byte float. Use it for ratios of integers: `1.0 * x / y` would be
    decimal arithmetic on Spark, with few decimals, and differ from other engines. -#}
{% macro as_double(expression) -%}
    cast({{ expression }} as {{ type_double() }})
{%- endmacro %}
