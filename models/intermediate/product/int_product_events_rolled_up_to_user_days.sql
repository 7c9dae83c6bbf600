{{ config(
    pre_hook="{{ empty_table_when(raw_rows_were_removed('product_events'), this) }}",
    **incremental_by_day('activity_date', 'activity_date')
) }}

{#-
    Product events per account, user and day: event count, summed quantity, last event time.
    Events without a user_id keep a null user_id (they count toward volume, not users).
    Incremental: the days from the newest day already rolled up, less
    healthscore_lookback_days, are rebuilt whole from stg_product__events. When raw events
    were removed since the last build (raw_rows_were_removed), the stage is rebuilt from every
    raw row, and so is this table: the pre-hook empties it and every day is rolled up again.
-#}

with

events as (

    select
        account_id,
        user_id,
        occurred_date,
        occurred_at,
        quantity
    from {{ ref('stg_product__events') }}
    {% if not raw_rows_were_removed('product_events') and is_incremental() %}
    where occurred_date >= (
        select {{ add_days('coalesce(max(activity_date), ' ~ dbt.cast("'1900-01-01'", 'date') ~ ')', -1 * var('healthscore_lookback_days')) }}
        from {{ this }}
    )
    {% endif %}

),

final as (

    select
        events.account_id,
        events.user_id,
        events.occurred_date as activity_date,
        count(*) as event_count,
        cast(sum(events.quantity) as {{ type_double() }}) as quantity_total,
        max(events.occurred_at) as last_event_at,
        {{ written_by_this_run() }} as dbt_run_started_at
    from events
    group by
        events.account_id,
        events.user_id,
        events.occurred_date

)

select * from final
