{#- A connector id as the text of its digits, whether the loader typed it as an integer, a
    float (HubSpot number properties such as hs_parent_company_id may land as 123.0) or text. -#}
{% macro mapping_id_text(expression) -%}
    cast(cast({{ expression }} as decimal(38, 0)) as {{ dbt.type_string() }})
{%- endmacro %}
