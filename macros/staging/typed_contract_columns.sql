{#- Every contract column typed (`<column>`) next to its raw text (`<column>__text`).
    Enumerated columns are lower-cased so that 'Urgent' and 'urgent' mean the same. -#}
{% macro typed_contract_columns(source_name, table_name, alias) -%}
    {%- for column in contract_table(table_name)['columns'] %}
        {%- set column_name = column['name'] -%}
        {%- set logical_type = column['type'] -%}
        {%- set text_expression = alias ~ '.' ~ column_name -%}
        {%- if column.get('values') %}
        lower({{ healthscore.parse_text(text_expression, 'string') }}) as {{ column_name }},
        {%- else %}
        {{ healthscore.parse_text(text_expression, logical_type) }} as {{ column_name }},
        {%- endif %}
        {{ text_expression }} as {{ column_name }}__text{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
