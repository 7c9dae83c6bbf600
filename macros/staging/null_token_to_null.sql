{#- `value` (trimmed text, null when empty) with the null tokens made null. On DuckDB only
    text of at most four bytes is lower-cased and compared (strlen reads the stored length), so
    the check costs next to nothing on 50 million timestamps. -#}
{% macro null_token_to_null(value) -%}
    {{ return(adapter.dispatch('null_token_to_null', 'healthscore')(value)) }}
{%- endmacro %}

{% macro default__null_token_to_null(value) -%}
    case when lower({{ value }}) in ('{{ null_tokens() | join("', '") }}') then null else {{ value }} end
{%- endmacro %}

{% macro duckdb__null_token_to_null(value) -%}
    case when strlen({{ value }}) <= 4 and lower({{ value }}) in ('{{ null_tokens() | join("', '") }}') then null else {{ value }} end
{%- endmacro %}
