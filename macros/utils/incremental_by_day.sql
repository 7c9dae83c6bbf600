{#- The config of a model incremental by whole days: delete+insert on `unique_key`, or, on Spark,
    insert_overwrite of the `day_column` partitions a run rebuilds. -#}
{% macro incremental_by_day(unique_key, day_column) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': [day_column], 'file_format': 'parquet', 'on_schema_change': 'fail'}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
                   'unique_key': unique_key, 'on_schema_change': 'fail'}) }}
    {%- endif -%}
{%- endmacro %}
