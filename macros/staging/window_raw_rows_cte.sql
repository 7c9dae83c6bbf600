{#- The raw rows of an incremental window from the day `first_day` on, read from the raw table
    once and kept, because the events models read them several times (the duplicate search,
    the validation, the ranking of copies): window_raw_rows_cte(day) opens a model's with-clause
    with the CTE window_raw_rows, and window_raw_rows(day) names what to read the rows from.
    A window from before 1900-01-02 (an empty stage, or the stage rebuilt from scratch without
    the quarantine) is the whole raw table: it is not kept (no CTE, which DuckDB would
    materialise anyway), and each use reads the raw table, as a full build does. -#}
{% macro window_raw_rows_cte(first_day) -%}
    {%- if first_day > '1900-01-01' -%}
window_raw_rows as {{ materialized_cte() }} (

    select window_rows.* from {{ raw_product_events_from(first_day) }} as window_rows

),
    {%- endif -%}
{%- endmacro %}
