{#-
    The config of a per-date incremental model: delete+insert on as_of_date, or, on Spark (no
    delete without Delta tables), insert_overwrite of as_of_date partitions. Before a run adds
    its dates, the rows of earlier runs' non-cadence dates (their as-of and previous-period
    dates) are deleted; on Spark they stay, and every reader joins int_scoring_dates, which
    holds only the current run's dates. When raw rows were removed since the last build, the
    pre-hook empties the model instead, and dates_to_build recomputes every date.
-#}
{% macro incremental_by_date() -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': ['as_of_date'], 'file_format': 'parquet', 'on_schema_change': 'fail',
                   'pre_hook': "{{ empty_table_when(raw_rows_were_removed(), this) }}"}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
                   'unique_key': 'as_of_date', 'on_schema_change': 'fail',
                   'pre_hook': "{% if raw_rows_were_removed() %}truncate table {{ this }}"
                               ~ "{% elif is_incremental() %}delete from {{ this }} where not is_cadence_date{% endif %}"}) }}
    {%- endif -%}
{%- endmacro %}
