{#- What to read an incremental window's raw product_events rows from: the CTE window_raw_rows
    (opened by window_raw_rows_cte) or, for a window from before 1900-01-02, the raw table
    itself (raw_product_events_from). -#}

{% macro window_raw_rows(first_day) -%}
    {{ return('window_raw_rows' if first_day > '1900-01-01' else raw_product_events_from(first_day)) }}
{%- endmacro %}
