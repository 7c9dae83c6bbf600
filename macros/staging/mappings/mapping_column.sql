{#- A connector column that not every schema has (a HubSpot property nobody filled, a column
    renamed between API versions): the first of `candidates` (a name or a list of names) that the
    table holds, qualified by `table_alias`, else a null of `data_type` (a dbt.type_* name:
    string, timestamp, boolean, numeric). `columns` comes from mapping_source_columns; when it is
    none (parsing, unit tests) the first candidate is used. -#}
{% macro mapping_column(columns, table_alias, candidates, data_type='string') -%}
    {%- set names = [candidates] if candidates is string else candidates -%}
    {%- set found = [] -%}
    {%- for name in names -%}
        {%- if columns is none and loop.first -%}
            {%- do found.append(name) -%}
        {%- elif columns is not none and name | lower in columns -%}
            {%- do found.append(columns[name | lower]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found -%}
        {{ table_alias }}.{{ found[0] }}
    {%- else -%}
        {%- set types = {
            'string': dbt.type_string(), 'timestamp': dbt.type_timestamp(),
            'boolean': dbt.type_boolean(), 'numeric': dbt.type_numeric(),
        } -%}
        cast(null as {{ types[data_type] }})
    {%- endif -%}
{%- endmacro %}
