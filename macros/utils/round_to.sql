{#- `expression` rounded to `digits` decimals, as a double. Scores are kept to 6 decimals so that
    the same data gives the same score on every engine (to 1e-6) and hand-worked unit test values
    compare exactly. -#}
{% macro round_to(expression, digits=6) -%}
    {{ return(adapter.dispatch('round_to', 'healthscore')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}
