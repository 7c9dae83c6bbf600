{#-
    The first of the macros that turn the contract (macro raw_contract: types, required columns,
    enumerations, primary key, record timestamp) into staging SQL, so that a contract column is
    declared once and validated the same way in every table; the others, each in its own file:
    contract_column_names, typed_contract_columns, contract_rule_checks, contract_future_check,
    contract_record_text, contract_column_list and label_duplicate_keys.
-#}

{#- One table of the contract, or a compilation error naming the unknown table. -#}
{% macro contract_table(table_name) -%}
    {%- set table = raw_contract()['tables'].get(table_name) -%}
    {%- if table is none -%}
        {{ exceptions.raise_compiler_error("'" ~ table_name ~ "' is not a table of the raw data contract (macros/staging/raw_contract.sql).") }}
    {%- endif -%}
    {{ return(table) }}
{%- endmacro %}
