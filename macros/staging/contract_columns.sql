{#-
    Helpers that turn the contract (macro raw_contract: types, required columns, enumerations,
    primary key, record timestamp) into staging SQL, so that a contract column is declared once
    and validated the same way in every table.
-#}

{#- One table of the contract, or a compilation error naming the unknown table. -#}
{% macro contract_table(table_name) -%}
    {%- set table = raw_contract()['tables'].get(table_name) -%}
    {%- if table is none -%}
        {{ exceptions.raise_compiler_error("'" ~ table_name ~ "' is not a table of the raw data contract (macros/staging/raw_contract.sql).") }}
    {%- endif -%}
    {{ return(table) }}
{%- endmacro %}


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


{#- The contract's column list, comma separated, optionally qualified with a relation alias. -#}
{% macro contract_column_list(source_name, table_name, alias=none) -%}
    {%- for column_name in contract_column_names(source_name, table_name) -%}
        {{ alias ~ '.' if alias }}{{ column_name }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- The CASE branch for the table's record timestamp (meta.record_timestamp) lying after the
    run's as-of date: such a row is not yet known as of that date, so it is quarantined. -#}
{% macro contract_future_check(source_name, table_name, alias) -%}
    {%- set record_timestamp = contract_table(table_name)['record_timestamp'] -%}
    {%- if record_timestamp %}
            when cast({{ alias }}.{{ record_timestamp }} as date) > {{ as_of_date() }} then 'future_{{ record_timestamp }}'
    {%- endif -%}
{%- endmacro %}


{#- Final step of a validation view: among rows sharing a primary key, the first valid one
    (ordered by `order_by`, then by the raw record) is kept and the others are labelled
    duplicate_key. Returns a select over `relation`, which must carry the contract columns,
    record_text and rule_broken (the first rule the row breaks, or null). -#}
{% macro label_duplicate_keys(source_name, table_name, relation, order_by) -%}
    {%- set key = contract_table(table_name)['primary_key'] -%}
    select
        {{ contract_column_list(source_name, table_name, 'ranked') }},
        ranked.record_text,
        case
            when ranked.rule_broken is not null then ranked.rule_broken
            when ranked.key_occurrence > 1 then 'duplicate_key'
        end as quarantine_reason
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ relation }}.{{ key }}
                order by
                    case when {{ relation }}.rule_broken is null then 0 else 1 end,
                    {{ order_by }},
                    {{ relation }}.record_text
            ) as key_occurrence
        from {{ relation }}
    ) as ranked
{%- endmacro %}
