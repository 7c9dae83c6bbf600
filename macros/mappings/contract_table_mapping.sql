{#- How a contract table is read, decided at parse time: a dict with
    `connector`: the mapping named by its source's var (contract_mapping), none without one;
    `model`: the mapping model read instead of the raw table (map_<connector>__<table>), none
    when there is no mapping or the mapping does not provide the table: the table is then
    absent, like a missing raw table, and its signals are reported missing.
    An optional contract table (crm_account_overrides: the team's own manual overrides, which no
    connector holds) that the mapping does not provide is read from the raw schema as usual. -#}
{% macro contract_table_mapping(table_name) -%}
    {%- set table = contract_table(table_name) -%}
    {%- set connector = contract_mapping(table['source']) -%}
    {%- set provides = connector is not none and table_name in contract_mappings()[connector]['tables'] -%}
    {%- if connector is not none and not provides and table.get('optional', false) -%}
        {%- set connector = none -%}
    {%- endif -%}
    {{ return({
        'connector': connector,
        'model': ('map_' ~ connector ~ '__' ~ table_name) if provides else none,
    }) }}
{%- endmacro %}
