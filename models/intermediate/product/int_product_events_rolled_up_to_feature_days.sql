{{ config(
    pre_hook="{{ empty_table_when(raw_rows_were_removed('product_events'), this) }}",
    **incremental_by_day('activity_date', 'activity_date')
) }}

{#-
    Use of each event name (feature key) per account and day. Every event name is kept, so a
    change to which features are core (feature_catalogue seed) applies without a full refresh.
    Incremental like int_product_events_rolled_up_to_user_days.
-#}

with

events as (

    select
        account_id,
        event_name,
        occurred_date,
        occurred_at
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
        events.event_name,
        events.occurred_date as activity_date,
        count(*) as event_count,
        max(events.occurred_at) as last_event_at,
        {{ written_by_this_run() }} as dbt_run_started_at
    from events
    group by
        events.account_id,
        events.event_name,
        events.occurred_date

)

select * from final
