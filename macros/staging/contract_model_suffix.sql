{#- The part of its staging models' names a contract table gives (stg_<suffix>,
    base_<suffix>, base_<suffix>_validated): its source, two underscores, and the table name
    without the source's prefix (crm_accounts -> crm__accounts, survey_responses ->
    crm__survey_responses). -#}
{% macro contract_model_suffix(table_name) -%}
    {%- set source_name = contract_table(table_name)['source'] -%}
    {%- set prefix = source_name ~ '_' -%}
    {{ return(source_name ~ '__' ~ (table_name[prefix | length:] if table_name.startswith(prefix) else table_name)) }}
{%- endmacro %}
