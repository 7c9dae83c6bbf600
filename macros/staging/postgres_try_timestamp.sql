{#- PostgreSQL has no try_cast: healthscore_util.try_timestamp (macro create_engine_helpers,
    run on-run-start) returns null for text that is no timestamp. -#}
{% macro postgres_try_timestamp(value) -%}
    healthscore_util.try_timestamp({{ value }})
{%- endmacro %}
