{#- The raw record as one line of text (column=value pairs), kept with quarantined rows so a
    person can see what arrived, and used as the last tie-break between duplicate keys.
    `suffix` names the raw text columns of a relation built with typed_contract_columns. -#}
{% macro contract_record_text(source_name, table_name, alias, suffix='') -%}
    {%- set parts = [] -%}
    {%- for column_name in contract_column_names(source_name, table_name) -%}
        {%- do parts.append("'" ~ ("" if loop.first else "; ") ~ column_name ~ "='") -%}
        {%- do parts.append("coalesce(" ~ alias ~ "." ~ column_name ~ suffix ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
