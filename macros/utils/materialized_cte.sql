{#- The keyword that makes an engine compute a CTE once and keep it (for a small CTE read
    several times): DuckDB and PostgreSQL have it; elsewhere nothing (the engine decides). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'healthscore')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}{%- endmacro %}

{% macro duckdb__materialized_cte() -%}materialized{%- endmacro %}

{% macro postgres__materialized_cte() -%}materialized{%- endmacro %}
