{#- Custom schemas are used as written (raw, staging, intermediate, marts, config), so BI tools
    read marts.account_health in every environment. Without a custom schema, the target's
    schema is used. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
