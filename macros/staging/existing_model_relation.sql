{#- The relation a model of this project was built into, or none when it does not exist yet.
    For reading a model that runs later in the DAG (the previous run's rows) without ref(). -#}
{% macro existing_model_relation(model_name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) if execute else none -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}
