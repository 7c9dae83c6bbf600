{#-
    product_events is the one raw table too large to validate whole on every run, so it has no
    validation view: stg_product__events (the valid rows) and int_product_events_quarantined
    (the others) each validate only the raw rows of their incremental window, with the macros
    raw_product_events_from, window_raw_rows_cte, window_raw_rows, validated_product_events,
    repeated_event_id_keys, raw_rows_with_repeated_event_ids and event_copy_rank (this folder),
    and filter the window on the raw text before anything is parsed.
-#}

{#- Raw product_events (text columns) from the day `first_day` (YYYY-MM-DD) on, as a
    parenthesised subquery: the rows whose timestamp text starts with a date on or after it,
    and every row whose text does not start with a date (validation quarantines or trims
    them); every row when `first_day` is none. The test is on the text itself, without parsing
    or trimming, so that finding a window in 50 million rows costs about one scan. Written out
    at each use (not a CTE) so that no engine materialises the whole raw table. -#}
{% macro raw_product_events_from(first_day=none) -%}
    (
        select raw_events.*
        from {{ ref('base_product__events') }} as raw_events
        {%- if first_day is not none %}
        where raw_events.occurred_at >= '{{ first_day }}'
            or raw_events.occurred_at is null
            or raw_events.occurred_at not like '____-__-__%'
        {%- endif %}
    )
{%- endmacro %}
