{#-
    One row per contract table: how many rows its raw table holds now and held at the last build
    (raw_rows of the previous source_table_status), and whether rows were removed since (the
    landing folder holds each table's complete history). When any table lost rows, every
    per-date model recomputes every date from what is there (raw_rows_were_removed(), read by
    dates_to_build), so nothing removed stays in the score history. product_events comes from
    base_product__events_row_counts, which also counts the rows its incremental models keep.
    Built before source_table_status, so it reads the previous run's counts; cheap (counts).
-#}

{#- The contract tables (macro raw_contract) but product_events, with their base model. -#}
{%- set tables = [] -%}
{%- for table_name in raw_contract()['tables'] if table_name != 'product_events' -%}
{%- do tables.append((table_name, 'base_' ~ contract_model_suffix(table_name))) -%}
{%- endfor -%}
{%- set previous_status = existing_model_relation('source_table_status') -%}

with

raw_counts as (

    {%- for table_name, base_model in tables %}
    select
        '{{ table_name }}' as table_name,
        (select count(*) from {{ ref(base_model) }}) as raw_rows
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

last_build as (

    {%- if previous_status is not none %}
    select
        previous_status.table_name,
        previous_status.raw_rows
    from {{ previous_status }} as previous_status
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_bigint() }}) as raw_rows
    from (select 1 as no_previous_build) as no_previous_build
    where 1 = 0
    {%- endif %}

),

checked as (

    select
        raw_counts.table_name,
        raw_counts.raw_rows,
        last_build.raw_rows as last_build_raw_rows,
        cast(null as {{ dbt.type_bigint() }}) as kept_rows,
        coalesce(raw_counts.raw_rows < last_build.raw_rows, false) as rows_removed
    from raw_counts
    left join last_build
        on raw_counts.table_name = last_build.table_name

    union all

    select
        events.table_name,
        events.raw_rows,
        events.last_build_raw_rows,
        events.kept_rows,
        events.rows_removed
    from {{ ref('base_product__events_row_counts') }} as events

),

final as (

    select
        cast(checked.table_name as {{ dbt.type_string() }}) as table_name,
        cast(checked.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(checked.last_build_raw_rows as {{ dbt.type_bigint() }}) as last_build_raw_rows,
        cast(checked.kept_rows as {{ dbt.type_bigint() }}) as kept_rows,
        cast(checked.rows_removed as {{ dbt.type_boolean() }}) as rows_removed
    from checked

)

select * from final
