{#- The text value of the top-level key `key` of a JSON object held in `column` (text or a JSON
    type), null when the key is missing: for connectors that land a metadata object in one
    column (Stripe's `metadata`). -#}
{% macro mapping_json_text(column, key) -%}
    {{ return(adapter.dispatch('mapping_json_text', 'healthscore')(column, key)) }}
{%- endmacro %}

{% macro default__mapping_json_text(column, key) -%}
    json_extract_path_text({{ column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__mapping_json_text(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__mapping_json_text(column, key) -%}
    (cast({{ column }} as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__mapping_json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro databricks__mapping_json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro bigquery__mapping_json_text(column, key) -%}
    json_value({{ column }}, '$.{{ key }}')
{%- endmacro %}
