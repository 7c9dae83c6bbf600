{#- trim(text) on DuckDB, skipped (a string test instead of a copy) for text that neither
    starts nor ends with a space. -#}
{% macro duckdb_trim_spaces(text_expression) -%}
    if(prefix({{ text_expression }}, ' ') or suffix({{ text_expression }}, ' '), trim({{ text_expression }}), {{ text_expression }})
{%- endmacro %}
