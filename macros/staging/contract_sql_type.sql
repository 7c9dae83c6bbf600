{#- The SQL type a logical contract type is stored as after staging. -#}
{% macro contract_sql_type(logical_type) -%}
    {%- if logical_type == 'string' -%} {{ dbt.type_string() }}
    {%- elif logical_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- elif logical_type == 'date' -%} date
    {%- elif logical_type == 'integer' -%} {{ dbt.type_bigint() }}
    {%- elif logical_type == 'decimal' -%} decimal(18, 4)
    {%- elif logical_type == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- else -%} {{ exceptions.raise_compiler_error("Unknown logical type " ~ logical_type) }}
    {%- endif -%}
{%- endmacro %}
