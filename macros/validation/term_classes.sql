{#- The term classes a renewal can belong to, shortest first (term_class.sql assigns them). -#}
{% macro term_classes() -%}
    {{ return(['monthly', 'quarterly', 'annual']) }}
{%- endmacro %}
