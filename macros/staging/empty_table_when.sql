{#- A pre-hook's SQL that empties `relation` when `condition` holds: an incremental model about
    to be rebuilt from all its input rows, whose delete+insert (or insert_overwrite on Spark)
    would otherwise keep the rows of days or dates that are no longer produced. -#}
{% macro empty_table_when(condition, relation) -%}
    {%- if condition -%}
        truncate table {{ relation }}
    {%- endif -%}
{%- endmacro %}
