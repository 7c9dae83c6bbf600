{#-
    Whether the model being built holds rows scored under another scoring configuration than the
    current one (a config_fingerprint other than scoring_config_fingerprint()): a scoring seed
    or healthscore_min_coverage changed since those rows were written. Asked only by the models
    that hold the computed view of every date (configured by
    incremental_by_date(rescored_on_config_change=true): int_account_scoring_dates and the
    scoring models after it): dates_to_build() then returns every date, and the pre-hook empties
    the model (int_account_scoring_dates keeps its rows: it reads their segments, see there),
    so backtests, calibration and alerts judge the current configuration without a
    --full-refresh. Always false outside an incremental run, in dbt unit tests, and for a model
    without the column yet (an older warehouse: on_schema_change 'fail' then asks for one
    --full-refresh).
-#}
{% macro scoring_config_changed() -%}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not (config.get('meta') or {}).get('rescored_on_config_change', false) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'config_fingerprint' not in columns -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set other -%}
        select count(*) from {{ this }}
        where config_fingerprint <> '{{ scoring_config_fingerprint() }}'
    {%- endset -%}
    {{ return((run_query(other).columns[0].values()[0] | int) > 0) }}
{%- endmacro %}
