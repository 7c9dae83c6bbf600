{#- The contract columns a mapping model cannot provide (it outputs them as typed nulls), from
    the `not_provided` list in its YAML meta; empty at parse time and for an unknown model. -#}
{% macro mapping_not_provided_columns(model_name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) if execute else none -%}
    {%- if node is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set meta = (node.get('config') or {}).get('meta') or node.get('meta') or {} -%}
    {{ return(meta.get('not_provided') or []) }}
{%- endmacro %}
