{#-
    One row: how many rows raw product_events holds now, how many it held at the last build
    (raw_rows of the previous source_table_status), and how many the incremental events models
    keep from earlier runs (stg_product__events plus int_product_events_quarantined: each raw
    event is kept once or quarantined once, so they never outnumber the raw rows). rows_removed
    says the raw table lost rows since then (it is gone, emptied, or shorter): the landing
    folder holds each table's complete history, so the events models rebuild from the raw rows
    instead of updating (raw_rows_were_removed('product_events')). Built before them, so it
    reads the previous run's tables; three counts, cheap at tens of millions of rows. Kept
    apart from base_raw__row_counts so that only a change of product_events selects the events
    models (the Dagster sensor refreshes what a changed table feeds).
-#}

{%- set previous_status = existing_model_relation('source_table_status') -%}
{%- set kept_by = [existing_model_relation('stg_product__events'),
                   existing_model_relation('int_product_events_quarantined')] | reject('none') | list -%}

with

counts as (

    select
        (select count(*) from {{ ref('base_product__events') }}) as raw_rows,
        {% if previous_status is not none -%}
        (select max(previous_status.raw_rows) from {{ previous_status }} as previous_status
            where previous_status.table_name = 'product_events')
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }})
        {%- endif %} as last_build_raw_rows,
        {% if kept_by -%}
        {%- for relation in kept_by %}(select count(*) from {{ relation }}){{ " + " if not loop.last }}{% endfor %}
        {%- else -%}
        0
        {%- endif %} as kept_rows

),

final as (

    select
        cast('product_events' as {{ dbt.type_string() }}) as table_name,
        cast(counts.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(counts.last_build_raw_rows as {{ dbt.type_bigint() }}) as last_build_raw_rows,
        cast(counts.kept_rows as {{ dbt.type_bigint() }}) as kept_rows,
        cast(
            coalesce(counts.raw_rows < counts.last_build_raw_rows, false)
            or counts.raw_rows < counts.kept_rows
            as {{ dbt.type_boolean() }}
        ) as rows_removed
    from counts

)

select * from final
