{#- What a mapping model does without the optional connector tables it reads that are not in
    the warehouse: one text per missing table, from the `optional_tables` map in its YAML meta
    (connector table -> what is unknown without it), e.g. "is_disputed unknown: no stripe.dispute
    table". The tables are found through dbt's source nodes, so nothing new is parsed; empty at
    parse time, for an unknown model, and when every optional table is there. -#}
{% macro mapping_missing_optional_tables(model_name, connector) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) if execute else none -%}
    {%- if node is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set meta = (node.get('config') or {}).get('meta') or node.get('meta') or {} -%}
    {%- set missing = [] -%}
    {%- for table_name, unknown in (meta.get('optional_tables') or {}).items() -%}
        {%- set source_node = graph.sources.get('source.' ~ project_name ~ '.' ~ connector ~ '.' ~ table_name) -%}
        {%- if source_node is not none -%}
            {%- set relation = adapter.get_relation(
                database=source_node.database, schema=source_node.schema,
                identifier=source_node.identifier) -%}
            {%- if relation is none -%}
                {%- do missing.append(unknown ~ ': no ' ~ connector ~ '.' ~ table_name ~ ' table') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(missing) }}
{%- endmacro %}
