{#- The columns of a connector's raw table, as a dict from lower-case name to the name in the
    warehouse, for mapping models that read optional columns (mapping_column). none while dbt
    parses or under a unit test, where every column named in the model is taken as present (the
    fixture gives it), and when the table does not exist (the model then fails on its own read,
    naming the table). -#}
{% macro mapping_source_columns(relation) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set present = {} -%}
    {%- for column in adapter.get_columns_in_relation(existing) -%}
        {%- do present.update({column.name | lower: column.name}) -%}
    {%- endfor -%}
    {{ return(present) }}
{%- endmacro %}
