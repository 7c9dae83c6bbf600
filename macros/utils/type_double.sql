{#- An 8-byte floating point type, spelled the way each engine (and dbt's contracts) expects. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'healthscore')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}
