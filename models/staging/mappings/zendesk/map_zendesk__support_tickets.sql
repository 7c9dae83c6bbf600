{#-
    support_tickets from Fivetran's Zendesk Support schema (docs/mappings.md, "Zendesk"):
    - deleted tickets (`_fivetran_deleted`, or status `deleted`) are left out;
    - account_id: var healthscore_zendesk_account_id, a SQL expression over `ticket` and
      `organization` (default the organization's external_id);
    - status: Zendesk's `hold` (waiting on a third party) is read as `pending`;
    - priority: a ticket without one (optional in Zendesk) is read as
      var healthscore_zendesk_missing_priority (default normal; null quarantines it);
    - first_response_at: the first public comment by an agent or admin after the ticket's first
      comment; solved_at: the last change of status to solved (closed when never solved) of a
      ticket solved or closed now; csat: the latest satisfaction_score in the field history
      (good/bad; offered/unoffered are no rating); is_escalated: the ticket carries one of the
      tags of var healthscore_zendesk_escalation_tags (an empty list: null, not derivable).
-#}
{{ config(materialized='view', enabled=(var('healthscore_support_mapping', none) == 'zendesk')) }}

{%- set account_id = var('healthscore_zendesk_account_id', 'organization.external_id') -%}
{%- set missing_priority = var('healthscore_zendesk_missing_priority', 'normal') -%}
{%- set escalation_tags = var('healthscore_zendesk_escalation_tags', ['escalated']) -%}
{%- set tag_list = [] -%}
{%- for escalation_tag in escalation_tags %}{% do tag_list.append("'" ~ (escalation_tag | lower) ~ "'") %}{% endfor %}

with ticket as (

    select * from {{ connector_table('zendesk', 'ticket', {
        'id': 'string', 'organization_id': 'string', 'priority': 'string', 'status': 'string',
        'created_at': 'timestamp', '_fivetran_deleted': 'boolean',
    }, required=true) }} as ticket

),

ticket_accounts as (

    {#- The account id expression may read any column of the raw ticket and organization rows. #}
    select
        cast(ticket.id as {{ dbt.type_string() }}) as ticket_id,
        cast({{ account_id }} as {{ dbt.type_string() }}) as account_id
    from {{ source('zendesk', 'ticket') }} as ticket
    left join {{ source('zendesk', 'organization') }} as organization
        on cast(ticket.organization_id as {{ dbt.type_string() }})
        = cast(organization.id as {{ dbt.type_string() }})

),

zendesk_user as (

    select * from {{ connector_table('zendesk', 'user', {
        'id': 'string', 'role': 'string',
    }, table_alias='zendesk_user', required=true) }} as zendesk_user

),

ticket_comment as (

    select * from {{ connector_table('zendesk', 'ticket_comment', {
        'id': 'string', 'ticket_id': 'string', 'user_id': 'string', 'created': 'timestamp',
        'public': 'boolean', '_fivetran_deleted': 'boolean',
    }, required=true) }} as ticket_comment

),

ticket_field_history as (

    select * from {{ connector_table('zendesk', 'ticket_field_history', {
        'ticket_id': 'string', 'field_name': 'string', 'value': 'string', 'updated': 'timestamp',
    }, required=true) }} as ticket_field_history

),

ticket_tag as (

    select * from {{ connector_table('zendesk', 'ticket_tag', {
        'ticket_id': 'string', 'tag|tags': 'string as tag',
    }, required=true) }} as ticket_tag

),

live_tickets as (

    select
        ticket.id,
        ticket_accounts.account_id,
        lower(trim(ticket.priority)) as priority,
        lower(trim(ticket.status)) as status,
        ticket.created_at
    from ticket
    left join ticket_accounts
        on ticket.id = ticket_accounts.ticket_id
    where
        coalesce(ticket._fivetran_deleted, false) = false
        and coalesce(lower(ticket.status), '') <> 'deleted'

),

comments_in_order as (

    select
        ticket_comment.ticket_id,
        ticket_comment.created,
        ticket_comment.public as is_public,
        lower(zendesk_user.role) as author_role,
        row_number() over (
            partition by ticket_comment.ticket_id
            order by ticket_comment.created, ticket_comment.id
        ) as comment_number
    from ticket_comment
    left join zendesk_user
        on ticket_comment.user_id = zendesk_user.id
    where coalesce(ticket_comment._fivetran_deleted, false) = false

),

first_responses as (

    select
        ticket_id,
        min(created) as first_response_at
    from comments_in_order
    where
        comment_number > 1
        and is_public = true
        and author_role in ('agent', 'admin')
    group by ticket_id

),

solved_changes as (

    select
        ticket_id,
        max(case when lower(value) = 'solved' then updated end) as last_solved_at,
        min(case when lower(value) = 'closed' then updated end) as first_closed_at
    from ticket_field_history
    where field_name = 'status'
    group by ticket_id

),

satisfaction_scores as (

    select
        ticket_id,
        lower(value) as score,
        row_number() over (partition by ticket_id order by updated desc) as recency
    from ticket_field_history
    where
        field_name = 'satisfaction_score'
        and lower(value) not in ('offered', 'unoffered')

),

{%- if escalation_tags | length > 0 %}

escalations as (

    select distinct ticket_tag.ticket_id
    from ticket_tag
    where lower(ticket_tag.tag) in ({{ tag_list | join(', ') }})

),
{%- endif %}

final as (

    select
        cast(live_tickets.id as {{ dbt.type_string() }}) as ticket_id,
        live_tickets.account_id,
        coalesce(
            live_tickets.priority,
            {{ "'" ~ missing_priority ~ "'" if missing_priority else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
        ) as priority,
        case when live_tickets.status = 'hold' then 'pending' else live_tickets.status end as status,
        live_tickets.created_at,
        first_responses.first_response_at,
        case
            when live_tickets.status in ('solved', 'closed')
                then coalesce(solved_changes.last_solved_at, solved_changes.first_closed_at)
        end as solved_at,
        case
            when satisfaction_scores.score like 'good%' then 'good'
            when satisfaction_scores.score like 'bad%' then 'bad'
        end as csat,
        {%- if escalation_tags | length > 0 %}
        escalations.ticket_id is not null as is_escalated
        {%- else %}
        cast(null as {{ dbt.type_boolean() }}) as is_escalated
        {%- endif %}
    from live_tickets
    left join first_responses
        on live_tickets.id = first_responses.ticket_id
    left join solved_changes
        on live_tickets.id = solved_changes.ticket_id
    left join satisfaction_scores
        on live_tickets.id = satisfaction_scores.ticket_id
        and satisfaction_scores.recency = 1
    {%- if escalation_tags | length > 0 %}
    left join escalations
        on live_tickets.id = escalations.ticket_id
    {%- endif %}

)

select * from final
