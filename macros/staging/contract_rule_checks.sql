{#- CASE branches naming the first generic contract rule a row breaks, in this order:
    null_key, missing_<column> (a required column is empty or a null token), unparseable_<column>
    (text that is no null token and does not parse as the column's type), invalid_<column> (a
    value outside the enumeration).
    `alias` is the CTE built with typed_contract_columns. -#}
{% macro contract_rule_checks(source_name, table_name, alias) -%}
    {%- set table = contract_table(table_name) -%}
    {%- set key = table['primary_key'] %}
            when {{ alias }}.{{ key }} is null then 'null_key'
    {%- for column in table['columns'] if column['name'] != key -%}
        {%- set column_name = column['name'] -%}
        {%- set logical_type = column['type'] -%}
        {%- if logical_type != 'string' %}
            when {{ alias }}.{{ column_name }} is null
                and {{ healthscore.parse_text(alias ~ '.' ~ column_name ~ '__text', 'string') }} is not null
                then 'unparseable_{{ column_name }}'
        {%- endif -%}
        {%- if column.get('required', false) %}
            when {{ alias }}.{{ column_name }} is null then 'missing_{{ column_name }}'
        {%- endif -%}
        {%- if column.get('values') %}
            when {{ alias }}.{{ column_name }} is not null and {{ alias }}.{{ column_name }} not in (
                {%- for value in column['values'] -%}
                    '{{ value }}'{{ ", " if not loop.last }}
                {%- endfor -%}
            ) then 'invalid_{{ column_name }}'
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}
