{#- The connector whose mapping cannot provide a contract column (it lists the column in its
    model's meta not_provided), or none: the column is read from the raw table or the mapping
    provides it. A signal built on such a column is reported missing with the reason, not read
    from a column of nulls (e.g. contacts' left_at under the Salesforce mapping). Known at
    execution; none at parse time, and under a dbt unit test (its fixture rows are the
    contract's, as given). -#}
{% macro contract_column_not_provided(table_name, column_name) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set mapping = contract_table_mapping(table_name) -%}
    {%- if mapping['model'] is not none and column_name in mapping_not_provided_columns(mapping['model']) -%}
        {{ return(mapping['connector']) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
