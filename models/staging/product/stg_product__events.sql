{{ config(**incremental_by_day('event_id', 'occurred_date')) }}

{#-
    Valid product events, one row per event_id. Incremental by whole days: each run reads only
    the raw rows that occurred on or after the day of the newest event already loaded, less
    healthscore_lookback_days (late-arriving rows), and replaces those events (on Spark, those
    days' partitions). Duplicates from at-least-once loaders are removed within the batch (the
    row kept is the same one quarantined_rows keeps).
-#}

with

validated_events as (

    select * from {{ ref('base_product__events_validated') }}
    where quarantine_reason is null
    {% if is_incremental() %}
        and cast(occurred_at as date) >= (
            select {{ add_days('coalesce(max(occurred_date), ' ~ dbt.cast("'1900-01-01'", 'date') ~ ')', -1 * var('healthscore_lookback_days')) }}
            from {{ this }}
        )
    {% endif %}

),

ranked as (

    select
        validated_events.event_id,
        validated_events.account_id,
        validated_events.user_id,
        validated_events.event_name,
        validated_events.occurred_at,
        validated_events.quantity,
        row_number() over (
            partition by validated_events.event_id
            order by validated_events.occurred_at desc, validated_events.record_text
        ) as key_occurrence
    from validated_events

),

final as (

    select
        ranked.event_id,
        ranked.account_id,
        ranked.user_id,
        ranked.event_name,
        ranked.occurred_at,
        cast(ranked.occurred_at as date) as occurred_date,
        cast(coalesce(ranked.quantity, 1) as {{ contract_sql_type('decimal') }}) as quantity
    from ranked
    where ranked.key_occurrence = 1

)

select * from final
