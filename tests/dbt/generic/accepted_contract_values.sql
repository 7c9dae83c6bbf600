{#-
    Fails for every non-null value outside the enumeration the raw contract
    (macros/staging/raw_contract.sql) gives the same column of `table_name`: the values are
    declared once, in the contract, and this test reads them there.
-#}
{% test accepted_contract_values(model, column_name, table_name) %}

{%- set enumeration = namespace(values=[]) -%}
{%- for column in contract_table(table_name)['columns'] if column['name'] == column_name -%}
    {%- set enumeration.values = column.get('values') or [] -%}
{%- endfor -%}
{%- if not enumeration.values -%}
    {{ exceptions.raise_compiler_error("accepted_contract_values: the raw contract gives " ~ table_name ~ "." ~ column_name ~ " no enumeration (macros/staging/raw_contract.sql).") }}
{%- endif %}

select
    {{ column_name }} as value_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in enumeration.values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
    )
group by {{ column_name }}

{% endtest %}
