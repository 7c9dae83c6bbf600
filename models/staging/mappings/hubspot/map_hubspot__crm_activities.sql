{#-
    crm_activities from Fivetran's HubSpot engagements (docs/mappings.md, "HubSpot"): meetings,
    calls and emails (notes and tasks are no contact with the customer and are left out), not
    deleted. The v3 API's detail tables carry the times (property_hs_timestamp,
    property_hs_createdate); the engagement table's own (timestamp, created_at) fill in before it.
    - activity_type: a meeting whose title contains one of var healthscore_hubspot_qbr_titles
      (case-insensitive) is a qbr;
    - direction: emails by hs_email_direction (EMAIL outbound; INCOMING_EMAIL and FORWARDED_EMAIL,
      the customer's words, inbound), calls by hs_call_direction; HubSpot records none for
      meetings, and calls logged by hand often have none: those get
      var healthscore_hubspot_default_direction (default outbound; null quarantines them);
    - outcome: meetings by hs_meeting_outcome (COMPLETED, NO_SHOW, CANCELED), calls by
      hs_call_status (COMPLETED; NO_ANSWER and BUSY as no_show; CANCELED); emails have none in
      the published tables (whether a reply came is not recorded);
    - account_id: the engagement's company (the lowest id when several), else its contact's
      primary company; contact_id: its contact (the lowest id when several);
    - sentiment: not provided (HubSpot has no standard property for the CSM's judgement).
-#}
{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'hubspot')) }}

{%- set qbr_titles = var('healthscore_hubspot_qbr_titles', ['qbr', 'quarterly business review']) -%}
{%- set default_direction = var('healthscore_hubspot_default_direction', 'outbound') -%}
{%- set default_direction_sql = (
    "'" ~ default_direction ~ "'" if default_direction else 'cast(null as ' ~ dbt.type_string() ~ ')'
) %}

with engagement as (

    select * from {{ connector_table('hubspot', 'engagement', {
        'id': 'string', 'type': 'string', 'timestamp': 'timestamp as engaged_at',
        'created_at': 'timestamp', 'active': 'boolean',
    }, required=true) }} as engagement

),

engagement_company as (

    select * from {{ connector_table('hubspot', 'engagement_company', {
        'engagement_id': 'string', 'company_id': 'string',
    }, required=true) }} as engagement_company

),

engagement_contact as (

    select * from {{ connector_table('hubspot', 'engagement_contact', {
        'engagement_id': 'string', 'contact_id': 'string',
    }, required=true) }} as engagement_contact

),

engagement_meeting as (

    select * from {{ connector_table('hubspot', 'engagement_meeting', {
        'engagement_id': 'string',
        'property_hs_timestamp|start_time': 'timestamp as occurred_at',
        'property_hs_createdate': 'timestamp as logged_at',
        'property_hs_meeting_title|title': 'string as title',
        'property_hs_meeting_outcome|meeting_outcome': 'string as meeting_outcome',
        '_fivetran_deleted': 'boolean',
    }, required=true) }} as engagement_meeting

),

engagement_call as (

    select * from {{ connector_table('hubspot', 'engagement_call', {
        'engagement_id': 'string', 'property_hs_timestamp': 'timestamp as occurred_at',
        'property_hs_createdate': 'timestamp as logged_at',
        'property_hs_call_direction': 'string as call_direction',
        'property_hs_call_status': 'string as call_status', '_fivetran_deleted': 'boolean',
    }, required=true) }} as engagement_call

),

engagement_email as (

    select * from {{ connector_table('hubspot', 'engagement_email', {
        'engagement_id': 'string', 'property_hs_timestamp': 'timestamp as occurred_at',
        'property_hs_createdate': 'timestamp as logged_at',
        'property_hs_email_direction': 'string as email_direction', '_fivetran_deleted': 'boolean',
    }, required=true) }} as engagement_email

),

contact as (

    select * from {{ connector_table('hubspot', 'contact', {
        'id': 'string', 'property_associatedcompanyid': 'string',
    }, required=true) }} as contact

),

meetings as (

    select
        engagement_meeting.engagement_id,
        engagement_meeting.occurred_at,
        engagement_meeting.logged_at,
        case
            {%- for title in qbr_titles %}
            when lower(engagement_meeting.title) like '%{{ title | lower }}%' then 'qbr'
            {%- endfor %}
            else 'meeting'
        end as activity_type,
        {{ default_direction_sql }} as direction,
        case upper(engagement_meeting.meeting_outcome)
            when 'COMPLETED' then 'completed'
            when 'NO_SHOW' then 'no_show'
            when 'CANCELED' then 'cancelled'
        end as outcome
    from engagement_meeting
    where coalesce(engagement_meeting._fivetran_deleted, false) = false

),

calls as (

    select
        engagement_call.engagement_id,
        engagement_call.occurred_at,
        engagement_call.logged_at,
        'call' as activity_type,
        coalesce(
            lower(engagement_call.call_direction),
            {{ default_direction_sql }}
        ) as direction,
        case upper(engagement_call.call_status)
            when 'COMPLETED' then 'completed'
            when 'NO_ANSWER' then 'no_show'
            when 'BUSY' then 'no_show'
            when 'CANCELED' then 'cancelled'
        end as outcome
    from engagement_call
    where coalesce(engagement_call._fivetran_deleted, false) = false

),

emails as (

    select
        engagement_email.engagement_id,
        engagement_email.occurred_at,
        engagement_email.logged_at,
        'email' as activity_type,
        upper(engagement_email.email_direction) as email_direction,
        cast(null as {{ dbt.type_string() }}) as outcome
    from engagement_email
    where coalesce(engagement_email._fivetran_deleted, false) = false

),

details as (

    select
        engagement_id,
        occurred_at,
        logged_at,
        activity_type,
        direction,
        outcome,
        cast(null as {{ dbt.type_string() }}) as email_direction
    from meetings

    union all

    select
        engagement_id,
        occurred_at,
        logged_at,
        activity_type,
        direction,
        outcome,
        cast(null as {{ dbt.type_string() }}) as email_direction
    from calls

    union all

    select
        engagement_id,
        occurred_at,
        logged_at,
        activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        outcome,
        email_direction
    from emails

),

engagement_companies as (

    select
        engagement_id,
        min({{ mapping_id_text('company_id') }}) as company_id
    from engagement_company
    group by engagement_id

),

engagement_contacts as (

    select
        engagement_id,
        min({{ mapping_id_text('contact_id') }}) as contact_id
    from engagement_contact
    group by engagement_id

),

contact_companies as (

    select
        {{ mapping_id_text('contact.id') }} as contact_id,
        {{ mapping_id_text('contact.property_associatedcompanyid') }} as company_id
    from contact

),

final as (

    select
        {{ mapping_id_text('engagement.id') }} as activity_id,
        coalesce(engagement_companies.company_id, contact_companies.company_id) as account_id,
        engagement_contacts.contact_id,
        details.activity_type,
        case
            when details.activity_type <> 'email' then details.direction
            when coalesce(details.email_direction, upper(engagement.type)) = 'EMAIL' then 'outbound'
            when coalesce(details.email_direction, upper(engagement.type)) in ('INCOMING_EMAIL', 'FORWARDED_EMAIL')
                then 'inbound'
        end as direction,
        details.outcome,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        coalesce(
            details.occurred_at,
            engagement.engaged_at
        ) as occurred_at,
        coalesce(
            details.logged_at,
            engagement.created_at
        ) as logged_at
    from engagement
    inner join details
        on engagement.id = details.engagement_id
    left join engagement_companies
        on engagement.id = engagement_companies.engagement_id
    left join engagement_contacts
        on engagement.id = engagement_contacts.engagement_id
    left join contact_companies
        on engagement_contacts.contact_id = contact_companies.contact_id
    where coalesce(engagement.active, true) = true

)

select * from final
