{#- dbt_run_started_at when the model behind `relation` opts in to testing the latest run's rows
    (config meta data_tests_read: latest_run_rows in its YAML, macro get_where_subquery), else
    none. A model that opts in must document dbt_run_started_at (written_by_this_run() in its
    final select). -#}
{% macro latest_run_column(relation) -%}
    {%- if execute and relation is not string and relation.identifier -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.alias | lower == relation.identifier | lower
            and node.schema | lower == (relation.schema or '') | lower
            and node.config.meta.get('data_tests_read') == 'latest_run_rows' -%}
            {%- if 'dbt_run_started_at' not in node.columns -%}
                {{ exceptions.raise_compiler_error("Model " ~ node.name ~ " sets meta data_tests_read: latest_run_rows but does not document the column dbt_run_started_at.") }}
            {%- endif -%}
            {{ return('dbt_run_started_at') }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
