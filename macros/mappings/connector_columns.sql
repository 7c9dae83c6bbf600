{#- A connector's raw table (source `source_name`, table `table_name`) as found in the warehouse:
    a dict with `relation`, the table (none when it does not exist, and while dbt parses), and
    `columns`, its columns by lower-case name (dbt Column objects: `.name` as the warehouse
    spells it, `.data_type`). Under a dbt unit test `relation` is the source (its fixture stands
    in for it) and `columns` is none: every column a mapping names is taken as present. The one
    column lookup of the mappings (connector_table reads through it). -#}
{% macro connector_columns(source_name, table_name) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return({'relation': source_relation, 'columns': none}) }}
    {%- endif -%}
    {%- set relation = load_relation(source_relation) if execute else none -%}
    {%- set columns = {} -%}
    {%- if relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do columns.update({column.name | lower: column}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return({'relation': relation, 'columns': columns}) }}
{%- endmacro %}
