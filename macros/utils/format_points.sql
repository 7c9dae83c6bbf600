{#- A signed number rounded to one decimal, as text: "signal (-8.2)" in driver lists. -#}
{% macro format_points(expression) -%}
    cast(cast({{ expression }} as decimal(10, 1)) as {{ dbt.type_string() }})
{%- endmacro %}
