{#- The contract's column list, comma separated, optionally qualified with a relation alias. -#}
{% macro contract_column_list(source_name, table_name, alias=none) -%}
    {%- for column_name in contract_column_names(source_name, table_name) -%}
        {{ alias ~ '.' if alias }}{{ column_name }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
