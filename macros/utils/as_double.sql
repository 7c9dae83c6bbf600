{#- `expression` as an 8-byte float. Use it for ratios of integers: `1.0 * x / y` would be
    decimal arithmetic on Spark, with few decimals, and differ from other engines. -#}
{% macro as_double(expression) -%}
    cast({{ expression }} as {{ type_double() }})
{%- endmacro %}
