{{ config(
    pre_hook=("{% if raw_rows_were_removed('product_events') %}truncate table {{ this }}"
              ~ "{% elif is_incremental() and target.type != 'spark' %}delete from {{ this }} where "
              ~ "batch_day >= '{{ window_start_of_events() }}' or batch_day = 'undated'{% endif %}"),
    **incremental_by_day('batch_day', 'batch_day')
) }}

{#-
    The raw product events stg_product__events did not keep, with the rule each broke (the
    generic contract rules, unknown_account, negative_quantity, future_occurred_at) or
    duplicate_key for the copies of an event_id that were not kept. Incremental like the stage:
    a run re-validates the raw days of the stage's window (window_start of its newest rows)
    and every row whose timestamp text does not start with a date, and replaces those days'
    rows (batch_day: the raw text's day, or 'undated'); a day whose rows became valid (a
    timestamp that is no longer in the future) loses its quarantined rows. When raw rows were
    removed since the last build (raw_rows_were_removed), the stage is rebuilt from every raw
    row, and so is this table: the pre-hook empties it and the run re-validates every raw row.
    quarantined_rows reads this table.
-#}

-- depends_on: {{ ref('stg_product__events') }}, {{ ref('base_product__events_row_counts') }}

{%- set windowed = is_incremental() and not raw_rows_were_removed('product_events') -%}
{%- if windowed -%}
{%- set first_day = window_start_of_events() -%}
{%- set raw_rows = window_raw_rows(first_day) -%}
{%- else -%}
{%- set raw_rows = raw_product_events_from() -%}
{%- endif %}

with
{%- if windowed %}

{{ window_raw_rows_cte(first_day) }}
{%- endif %}

rule_breaks as (

    select
        validated.event_id,
        validated.account_id,
        {{ raw_event_day('validated.occurred_at__text') }} as raw_day,
        validated.quarantine_reason,
        {{ product_event_record('validated') }} as record_text
    from {{ validated_product_events(raw_rows) }} as validated
    where validated.quarantine_reason is not null

),

duplicate_copies as (

    select
        ranked.event_id,
        ranked.account_id,
        {{ raw_event_day('ranked.occurred_at__text') }} as raw_day,
        'duplicate_key' as quarantine_reason,
        ranked.record_text
    from (
        select
            copies.*,
            {{ product_event_record('copies') }} as record_text,
            {{ event_copy_rank('copies') }} as copy_rank
        from {{ validated_product_events(raw_rows_with_repeated_event_ids(raw_rows)) }} as copies
        where copies.quarantine_reason is null
    ) as ranked
    where ranked.copy_rank > 1

),

quarantined as (

    select * from rule_breaks
    union all
    select * from duplicate_copies

),

final as (

    select
        cast(quarantined.raw_day as {{ dbt.type_string() }}) as batch_day,
        cast(quarantined.event_id as {{ dbt.type_string() }}) as event_id,
        cast(quarantined.account_id as {{ dbt.type_string() }}) as account_id,
        cast(quarantined.quarantine_reason as {{ dbt.type_string() }}) as quarantine_reason,
        cast(quarantined.record_text as {{ dbt.type_string() }}) as raw_record
    from quarantined

)

select * from final
