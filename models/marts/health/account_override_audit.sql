{{
    config(
        materialized='incremental',
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        unique_key=(none if target.type == 'spark' else 'override_id'),
        partition_by=(['override_id'] if target.type == 'spark' else none),
        file_format='parquet',
        on_schema_change='fail',
    )
}}

{#-
    The audit of the manual overrides: one row per override ever seen in crm_account_overrides,
    kept when it leaves the input. Each run recomputes every row from the overrides in the input
    now and the rows this table already holds (an override no longer in the input keeps its row,
    as removed_from_input unless it had expired), and replaces them all.
      status          as of the run's date: scheduled (starts later), in_force (starts_on <= date
                      < expires_on), expired (date >= expires_on) or removed_from_input
      first_seen_on   the as-of date of the first run that saw it
      started_on      the first day it applied: starts_on, or the day it was recorded when later
                      (point in time); null while scheduled or when removed before it started
      ended_on        expires_on once expired; the as-of date of the first run without it when
                      removed from the input
      computed_*_at_start the computed score and band on the first scoring date it applied
    Rebuilt from the input alone by --full-refresh (the rows of removed overrides are then lost).
    On Spark it is partitioned by override_id: Spark overwrites a table the query reads only
    partition by partition (dynamic partition overwrite), and every row is rewritten each run.
-#}

with

overrides as (

    select * from {{ ref('stg_crm__account_overrides') }}

),

applied as (

    select
        override_id,
        account_id,
        min(as_of_date) as first_applied_on,
        max(case when as_of_date = {{ as_of_date() }} then 1 else 0 end) as is_applied_now
    from {{ ref('int_account_overrides_by_date') }}
    group by override_id, account_id

),

computed as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band
    from {{ ref('int_account_health_scored') }}

),

previous as (

    {%- if is_incremental() %}
    select
        override_id,
        status,
        first_seen_on,
        started_on,
        ended_on,
        end_reason,
        computed_health_score_at_start,
        computed_health_band_at_start,
        account_id,
        override_band,
        override_score,
        reason,
        author,
        starts_on,
        expires_on,
        created_at,
        last_seen_on
    from {{ this }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as override_id,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as date) as first_seen_on,
        cast(null as date) as started_on,
        cast(null as date) as ended_on,
        cast(null as {{ dbt.type_string() }}) as end_reason,
        cast(null as {{ type_double() }}) as computed_health_score_at_start,
        cast(null as {{ dbt.type_string() }}) as computed_health_band_at_start,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as override_band,
        cast(null as {{ type_double() }}) as override_score,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as author,
        cast(null as date) as starts_on,
        cast(null as date) as expires_on,
        cast(null as {{ contract_sql_type('timestamp') }}) as created_at,
        cast(null as date) as last_seen_on
    from (select 1 as no_previous_build) as no_previous_build
    where 1 = 0
    {%- endif %}

),

present as (

    select
        overrides.override_id,
        case
            when {{ as_of_date() }} < overrides.starts_on then 'scheduled'
            when {{ as_of_date() }} < overrides.expires_on then 'in_force'
            else 'expired'
        end as status,
        coalesce(previous.first_seen_on, {{ as_of_date() }}) as first_seen_on,
        case
            when {{ as_of_date() }} < overrides.starts_on then null
            when cast(overrides.created_at as date) >= overrides.expires_on then null
            when cast(overrides.created_at as date) > overrides.starts_on then cast(overrides.created_at as date)
            else overrides.starts_on
        end as started_on,
        case when {{ as_of_date() }} >= overrides.expires_on then overrides.expires_on end as ended_on,
        case when {{ as_of_date() }} >= overrides.expires_on then 'expired' end as end_reason,
        coalesce(previous.computed_health_score_at_start, computed.health_score) as computed_health_score_at_start,
        coalesce(previous.computed_health_band_at_start, computed.health_band) as computed_health_band_at_start,
        coalesce(applied.is_applied_now, 0) = 1 as is_applied,
        overrides.account_id,
        overrides.override_band,
        overrides.override_score,
        overrides.reason,
        overrides.author,
        overrides.starts_on,
        overrides.expires_on,
        overrides.created_at,
        {{ as_of_date() }} as last_seen_on
    from overrides
    left join previous
        on overrides.override_id = previous.override_id
    left join applied
        on overrides.override_id = applied.override_id
    left join computed
        on applied.account_id = computed.account_id
        and applied.first_applied_on = computed.as_of_date

),

removed as (

    select
        previous.override_id,
        case when previous.status = 'expired' then 'expired' else 'removed_from_input' end as status,
        previous.first_seen_on,
        previous.started_on,
        coalesce(previous.ended_on, {{ as_of_date() }}) as ended_on,
        coalesce(previous.end_reason, 'removed_from_input') as end_reason,
        previous.computed_health_score_at_start,
        previous.computed_health_band_at_start,
        false as is_applied,
        previous.account_id,
        previous.override_band,
        previous.override_score,
        previous.reason,
        previous.author,
        previous.starts_on,
        previous.expires_on,
        previous.created_at,
        previous.last_seen_on
    from previous
    left join overrides
        on previous.override_id = overrides.override_id
    where overrides.override_id is null

),

audited as (

    select * from present
    union all
    select * from removed

),

final as (

    select
        cast(audited.override_id as {{ dbt.type_string() }}) as override_id,
        cast(audited.account_id as {{ dbt.type_string() }}) as account_id,
        cast(audited.status as {{ dbt.type_string() }}) as status,
        cast(audited.is_applied as {{ dbt.type_boolean() }}) as is_applied,
        cast(audited.override_band as {{ dbt.type_string() }}) as override_band,
        cast(audited.override_score as {{ type_double() }}) as override_score,
        cast(audited.reason as {{ dbt.type_string() }}) as reason,
        cast(audited.author as {{ dbt.type_string() }}) as author,
        cast(audited.starts_on as date) as starts_on,
        cast(audited.expires_on as date) as expires_on,
        cast(audited.created_at as {{ contract_sql_type('timestamp') }}) as created_at,
        cast(audited.first_seen_on as date) as first_seen_on,
        cast(audited.last_seen_on as date) as last_seen_on,
        cast(audited.started_on as date) as started_on,
        cast(audited.ended_on as date) as ended_on,
        cast(audited.end_reason as {{ dbt.type_string() }}) as end_reason,
        cast(audited.computed_health_score_at_start as {{ type_double() }}) as computed_health_score_at_start,
        cast(audited.computed_health_band_at_start as {{ dbt.type_string() }}) as computed_health_band_at_start,
        cast({{ as_of_date() }} as date) as as_of_date
    from audited

)

select * from final
