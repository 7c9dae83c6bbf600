{#- The SQL type of a connector column type named in connector_table (for the typed null that
    stands in for a column the table lacks). -#}
{% macro connector_sql_type(connector_type) -%}
    {%- if connector_type == 'string' -%} {{ dbt.type_string() }}
    {%- elif connector_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- elif connector_type == 'integer' -%} {{ dbt.type_bigint() }}
    {%- elif connector_type == 'numeric' -%} {{ dbt.type_numeric() }}
    {%- elif connector_type == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- else -%} {{ exceptions.raise_compiler_error("Unknown connector column type " ~ connector_type) }}
    {%- endif -%}
{%- endmacro %}
