{#-
    Selects every column of a contract table (as listed in the source YAML) as text, so that
    staging can type and validate it the same way whatever the loader sent:
    - a column the raw table lacks (optional columns may be missing) becomes a typed null;
    - a raw table that does not exist yields zero rows, so its signals are reported absent;
    - extra raw columns are ignored; column names match case-insensitively.
    `columns` lists the columns of a raw table that is not part of the contract (loader bookkeeping).
    When the source's var names a connector (healthscore_<source>_mapping, docs/mappings.md),
    the table is read from its mapping model map_<connector>__<table> instead, and a table the
    mapping does not provide yields zero rows, like a missing raw table (contract_table_mapping).
    Under a dbt unit test the given fixture rows are read as they are.
-#}
{% macro import_raw_table(source_name, table_name, columns=none) -%}
    {%- set mapping = contract_table_mapping(table_name) if columns is none else {'connector': none} -%}
    {%- if mapping['connector'] is none -%}
        {%- set raw_relation = source(source_name, table_name) -%}
    {%- elif mapping['model'] is not none -%}
        {%- set raw_relation = ref(mapping['model']) -%}
    {%- else -%}
        {%- set raw_relation = none -%}
    {%- endif -%}
    {%- set contract_columns = columns if columns is not none else contract_column_names(source_name, table_name) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {%- set present = {} -%}
        {%- for column_name in contract_columns -%}
            {%- do present.update({column_name: column_name}) -%}
        {%- endfor -%}
        {%- set relation = raw_relation -%}
    {%- else -%}
        {%- set relation = load_relation(raw_relation) if execute and raw_relation is not none else none -%}
        {%- set present = {} -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif %}
    select
    {%- for column_name in contract_columns %}
        {% if column_name in present -%}
            cast({{ adapter.quote(present[column_name]) }} as {{ dbt.type_string() }})
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as {{ column_name }}{{ "," if not loop.last }}
    {%- endfor %}
    {%- if relation is not none %}
    from {{ relation }}
    {%- else %}
    from (select 1 as no_raw_table) as missing_raw_table
    where 1 = 0
    {%- endif %}
{%- endmacro %}
