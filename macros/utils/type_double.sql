{#- An 8-byte floating point type, spelled the way each engine (and dbt's contracts) expects:
    the var healthscore_data_types in dbt_project.yml, which the mart YAML's data_type also
    reads, is the one engine-to-type map. -#}
{% macro type_double() -%}
    {%- set types = var('healthscore_data_types')['double'] -%}
    {{ return(types.get(target.type, types['default'])) }}
{%- endmacro %}
