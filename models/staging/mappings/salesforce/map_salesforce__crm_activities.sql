{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'salesforce'),
          meta={'not_provided': ['sentiment', 'outcome (emails)']}) }}

{#-
    crm_activities from Salesforce's task and event (docs/mappings.md#salesforce). Read: closed
    tasks that are calls (task_subtype Call or Type Call), emails (task_subtype Email or
    ListEmail, or Type Email) or meetings (Type Meeting), and every event that is not an
    invitee's copy of a group event (is_child); deleted rows (is_deleted), open tasks and other
    tasks (to-dos) are left out. A meeting whose subject names a QBR or business review is a qbr.
    contact_id is the who_id when it is a contact (id prefix 003; leads are not contacts).
    Direction: a call's call_type (Inbound or Outbound; Internal calls are left out); anything
    else (a call without call_type, an email, a meeting) has no direction in Salesforce and takes healthscore_salesforce_default_direction
    (default none: such rows are quarantined as missing_direction, counted in
    source_table_status). Outcome: a completed call is completed, or no_show when its
    call_disposition says nobody was reached (no answer, voicemail, busy); a completed meeting
    task is completed; an event's outcome is healthscore_salesforce_event_outcome, a SQL
    expression over the event row (default: none recorded); emails record none. Sentiment is not
    provided. occurred_at is the task's completion time (else its activity date) or the event's
    start; logged_at the row's created_date, when it reached Salesforce.
-#}

{%- set default_direction = var('healthscore_salesforce_default_direction', none) -%}
{%- if default_direction not in (none, 'outbound', 'inbound') -%}
    {{ exceptions.raise_compiler_error("The dbt var healthscore_salesforce_default_direction is '" ~ default_direction ~ "': set it to outbound, inbound or none (docs/mappings.md#salesforce).") }}
{%- endif -%}
{%- set no_text = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
{%- set no_direction = "'" ~ default_direction ~ "'" if default_direction else no_text -%}
{%- set event_outcome = var('healthscore_salesforce_event_outcome', none) -%}

with

task as (

    select * from {{ connector_table('salesforce', 'task', {
        'id': 'string', 'account_id': 'string', 'who_id': 'string', 'task_subtype': 'string',
        'type': 'string', 'call_type': 'string', 'call_disposition': 'string', 'status': 'string',
        'is_closed': 'boolean', 'subject': 'string', 'completed_date_time': 'timestamp',
        'activity_date': 'timestamp', 'created_date': 'timestamp', 'is_deleted': 'boolean',
    }, required=true) }} as task  -- noqa: RF04

),

event as (

    select * from {{ connector_table('salesforce', 'event', {
        'id': 'string', 'account_id': 'string', 'who_id': 'string', 'subject': 'string',
        'start_date_time': 'timestamp', 'activity_date': 'timestamp', 'created_date': 'timestamp',
        'is_child': 'boolean', 'is_deleted': 'boolean',
    }, expressions={
        'outcome': event_outcome or 'cast(null as ' ~ dbt.type_string() ~ ')',
    }, required=true) }} as event  -- noqa: RF04

),

typed_tasks as (

    select
        task.id,
        task.account_id,
        task.who_id,
        case
            when task.task_subtype = 'Call' or lower(task.type) = 'call' then 'call'
            when task.task_subtype in ('Email', 'ListEmail') or lower(task.type) = 'email' then 'email'
            when lower(task.type) = 'meeting'
                and (lower(task.subject) like '%qbr%' or lower(task.subject) like '%business review%')
                then 'qbr'
            when lower(task.type) = 'meeting' then 'meeting'
        end as activity_type,
        lower(task.call_type) as call_type,
        lower(task.call_disposition) as call_disposition,
        task.status,
        coalesce(task.completed_date_time, cast(task.activity_date as {{ dbt.type_timestamp() }})) as occurred_at,
        task.created_date as logged_at
    from task
    where not coalesce(task.is_deleted, false)
        and task.is_closed

),

task_activities as (

    select
        typed_tasks.id as activity_id,
        typed_tasks.account_id,
        case when typed_tasks.who_id like '003%' then typed_tasks.who_id end as contact_id,
        typed_tasks.activity_type,
        case
            when typed_tasks.activity_type = 'call' and typed_tasks.call_type in ('inbound', 'outbound')
                then typed_tasks.call_type
            else {{ no_direction }}
        end as direction,
        case
            when typed_tasks.status <> 'Completed' then {{ no_text }}
            when typed_tasks.activity_type = 'call'
                and (
                    typed_tasks.call_disposition like '%no answer%'
                    or typed_tasks.call_disposition like '%voicemail%'
                    or typed_tasks.call_disposition like '%voice mail%'
                    or typed_tasks.call_disposition like '%busy%'
                )
                then 'no_show'
            when typed_tasks.activity_type in ('call', 'meeting', 'qbr') then 'completed'
        end as outcome,
        typed_tasks.occurred_at,
        typed_tasks.logged_at
    from typed_tasks
    where typed_tasks.activity_type is not null
        and coalesce(typed_tasks.call_type, '') <> 'internal'

),

event_activities as (

    select
        event.id as activity_id,
        event.account_id,
        case when event.who_id like '003%' then event.who_id end as contact_id,
        case
            when lower(event.subject) like '%qbr%' or lower(event.subject) like '%business review%' then 'qbr'
            else 'meeting'
        end as activity_type,
        {{ no_direction }} as direction,
        cast(event.outcome as {{ dbt.type_string() }}) as outcome,
        coalesce(event.start_date_time, cast(event.activity_date as {{ dbt.type_timestamp() }})) as occurred_at,
        event.created_date as logged_at
    from event
    where not coalesce(event.is_deleted, false)
        and not coalesce(event.is_child, false)

),

activities as (

    select * from task_activities
    union all
    select * from event_activities

),

final as (

    select
        activities.activity_id,
        activities.account_id,
        activities.contact_id,
        activities.activity_type,
        activities.direction,
        activities.outcome,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        activities.occurred_at,
        activities.logged_at
    from activities

)

select * from final
