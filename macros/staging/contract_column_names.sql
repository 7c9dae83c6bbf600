{#- The contract's column names for a raw table, in contract order (macro raw_contract). -#}
{% macro contract_column_names(source_name, table_name) -%}
    {%- set names = [] -%}
    {%- for column in contract_table(table_name)['columns'] -%}
        {%- do names.append(column['name']) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
