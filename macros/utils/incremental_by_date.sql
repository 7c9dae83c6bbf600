{#-
    The config of a per-date incremental model: delete+insert on as_of_date, or, on Spark (no
    delete without Delta tables), insert_overwrite of as_of_date partitions. Before a run adds
    its dates, the rows of earlier runs' non-cadence dates (their as-of and previous-period
    dates) are deleted; on Spark they stay, and every reader joins int_scoring_dates, which
    holds only the current run's dates. When raw rows were removed since the last build, the
    pre-hook empties the model instead, and dates_to_build recomputes every date.
    rescored_on_config_change (the models holding the computed view of every date: the scoring
    chain from int_account_scoring_dates to int_account_health_scored) does the same when the
    model's rows were scored under another scoring configuration (scoring_config_changed);
    empties_on_config_change=false keeps the rows in that case (int_account_scoring_dates
    reads their segments, and replaces every date anyway).
-#}
{% macro incremental_by_date(rescored_on_config_change=false, empties_on_config_change=true) -%}
    {%- set rebuild = 'raw_rows_were_removed()' -%}
    {%- if rescored_on_config_change and empties_on_config_change -%}
        {%- set rebuild = rebuild ~ ' or scoring_config_changed()' -%}
    {%- endif -%}
    {%- set meta = {'rescored_on_config_change': rescored_on_config_change} -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': ['as_of_date'], 'file_format': 'parquet', 'on_schema_change': 'fail',
                   'meta': meta,
                   'pre_hook': "{{ empty_table_when(" ~ rebuild ~ ", this) }}"}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
                   'unique_key': 'as_of_date', 'on_schema_change': 'fail',
                   'meta': meta,
                   'pre_hook': "{% if " ~ rebuild ~ " %}truncate table {{ this }}"
                               ~ "{% elif is_incremental() %}delete from {{ this }} where not is_cadence_date{% endif %}"}) }}
    {%- endif -%}
{%- endmacro %}
