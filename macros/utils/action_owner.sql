{#- Who acts on an account: its CSM owner, else the queue or person of the var
    healthscore_default_owner (dbt_project.yml). -#}
{% macro action_owner(csm_owner) -%}
    coalesce({{ csm_owner }}, '{{ var("healthscore_default_owner") | replace("'", "''") }}')
{%- endmacro %}
