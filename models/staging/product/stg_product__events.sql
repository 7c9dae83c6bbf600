{{ config(
    pre_hook="{{ empty_table_when(raw_rows_were_removed('product_events'), this) }}",
    **incremental_by_day('occurred_date', 'occurred_date')
) }}

{#-
    Valid product events, one row per event_id. Incremental by whole days: a run reads only the
    raw rows that occurred on or after the newest day already loaded, less
    healthscore_lookback_days (late-arriving rows), and replaces those days (delete+insert on
    occurred_date; on Spark, those days' partitions): deleting by day reads one date column,
    where deleting by event_id would probe all 50 million keys. Copies from at-least-once
    loaders repeat the timestamp, so they share a day; an event_id re-sent with a timestamp on
    a day before the window keeps both rows until a full refresh ranks them. The window is
    found on the raw text, so only its rows are parsed.
    Duplicates from at-least-once loaders are removed within the window: only the rows whose
    event_id (on DuckDB, its hash) occurs more than once are ranked (the row kept is the one
    int_product_events_quarantined does not quarantine). window_start records the window of the run that wrote the row;
    int_product_events_quarantined reads it to validate the same days.
    The landing folder is the truth: when raw rows were removed since the last build (the
    table is gone, emptied or shorter: base_product__events_row_counts), the pre-hook empties
    the stage and the run rebuilds it from every raw row, so no removed event is still scored.
-#}

{%- set rows_removed = raw_rows_were_removed('product_events') -%}
{%- set windowed = is_incremental() and not rows_removed -%}
{%- if windowed -%}
{%- set window_day = newest_date_plus(this, 'occurred_date', -1 * var('healthscore_lookback_days')) -%}
{%- set window_start = dbt.cast("'" ~ window_day ~ "'", 'date') -%}
{#- An offset moves the UTC day at most one day from the raw text's day. -#}
{%- set first_raw_day = (modules.datetime.date.fromisoformat(window_day) - modules.datetime.timedelta(days=1)).isoformat() -%}
{%- set raw_rows = window_raw_rows(first_raw_day) -%}
{%- else -%}
{%- set window_start = dbt.cast("'1900-01-01'", 'date') -%}
{%- set raw_rows = raw_product_events_from() -%}
{%- endif %}

with
{%- if windowed %}

{{ window_raw_rows_cte(first_raw_day) }}
{%- endif %}

repeated_keys as (

    select repeated.group_key from {{ repeated_event_id_keys(raw_rows) }} as repeated

),

valid_events as (

    select validated.*
    from {{ validated_product_events(raw_rows) }} as validated
    where validated.quarantine_reason is null
    {%- if windowed %}
        and cast(validated.occurred_at as date) >= {{ window_start }}
    {%- endif %}

),

single_events as (

    select
        valid_events.event_id,
        valid_events.account_id,
        valid_events.user_id,
        valid_events.event_name,
        valid_events.occurred_at,
        valid_events.quantity
    from valid_events
    where not exists (
            select 1
            from repeated_keys
            where repeated_keys.group_key = {{ event_id_group_key('valid_events') }}
        )

),

kept_copies as (

    select
        ranked.event_id,
        ranked.account_id,
        ranked.user_id,
        ranked.event_name,
        ranked.occurred_at,
        ranked.quantity
    from (
        select
            copies.*,
            {{ event_copy_rank('copies') }} as copy_rank
        from {{ validated_product_events(raw_rows_with_repeated_event_ids(raw_rows, 'repeated_keys')) }} as copies
        where copies.quarantine_reason is null
        {%- if windowed %}
            and cast(copies.occurred_at as date) >= {{ window_start }}
        {%- endif %}
    ) as ranked
    where ranked.copy_rank = 1

),

deduplicated as (

    select * from single_events
    union all
    select * from kept_copies

),

final as (

    select
        deduplicated.event_id,
        deduplicated.account_id,
        deduplicated.user_id,
        deduplicated.event_name,
        deduplicated.occurred_at,
        cast(deduplicated.occurred_at as date) as occurred_date,
        cast(coalesce(deduplicated.quantity, 1) as {{ contract_sql_type('decimal') }}) as quantity,
        {{ window_start }} as window_start
    from deduplicated

)

select * from final
