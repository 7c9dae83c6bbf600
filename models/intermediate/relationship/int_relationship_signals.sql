{{ config(**incremental_by_date()) }}

{#-
    Relationship and engagement signals per account and scoring date. An activity counts from
    the moment it reached the CRM (known_at = logged_at, default occurred_at), a contact's
    departure from its left_at, a survey answer from its responded_at.
      days_since_sponsor_touch  days since the last held meeting/QBR/call or reply with an
                                executive sponsor that was not logged as negative; days since
                                the account was created (at most 365) when there has been none
      meeting_attendance        held / (held + no-show + cancelled) meetings, QBRs, calls (180 d)
      outreach_responsiveness   replied / (replied + no reply) outbound emails (90 d)
      latest_nps                mean of each respondent's latest NPS answer (365 d)
      stakeholder_departed_90d  1 when a champion or executive sponsor left in the last 90 days
      csm_sentiment             the latest logged sentiment (90 d): positive 1, neutral 0,
                                negative -1 (the mean when several share the latest moment)
    Under a source mapping that cannot provide contacts' left_at (docs/mappings.md),
    stakeholder_departed_90d is missing, not a run of "nobody left"; likewise csm_sentiment under
    a CRM mapping without a sentiment field, rather than "no sentiment logged", and
    outreach_responsiveness under one that records no reply to an email (its not_provided entry
    "outcome (emails)").
-#}

{%- set departures_connector = contract_column_not_provided('crm_contacts', 'left_at') -%}
{%- set departures_not_provided = ("'left_at of contacts not provided by the " ~ departures_connector ~ " mapping', ")
                                  if departures_connector else '' -%}
{%- set email_outcome_connector = contract_column_not_provided('crm_activities', 'outcome (emails)') -%}
{%- set email_outcome_not_provided = ("'replies to emails not provided by the "
                                      ~ email_outcome_connector ~ " mapping', ")
                                     if email_outcome_connector else '' -%}
{%- set sentiment_connector = contract_column_not_provided('crm_activities', 'sentiment') -%}
{%- set sentiment_not_provided = ("'sentiment of activities not provided by the " ~ sentiment_connector ~ " mapping', ")
                                 if sentiment_connector else '' -%}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

accounts as (

    select
        account_id,
        created_at
    from {{ ref('stg_crm__accounts') }}

),

activities as (

    select
        activity_id,
        account_id,
        contact_id,
        activity_type,
        direction,
        outcome,
        sentiment,
        occurred_at,
        known_at
    from {{ ref('stg_crm__activities') }}

),

contacts as (

    select
        contact_id,
        account_id,
        role,
        created_at,
        left_at
    from {{ ref('stg_crm__contacts') }}

),

nps_responses as (

    select
        response_id,
        account_id,
        coalesce(contact_id, response_id) as respondent_id,
        score,
        responded_at
    from {{ ref('stg_crm__survey_responses') }}
    where survey_type = 'nps'

),

crm_source as (

    select
        (select count(*) from activities) as activity_rows,
        (select count(*) from contacts) as contact_rows,
        (select count(*) from nps_responses) as nps_rows

),

sponsor_touches as (

    select
        activities.account_id,
        activities.occurred_at,
        activities.known_at
    from activities
    inner join contacts
        on activities.contact_id = contacts.contact_id
    where contacts.role = 'executive_sponsor'
        and (
            activities.outcome in ('completed', 'replied')
            or (activities.outcome is null and (
                activities.direction = 'inbound' or activities.activity_type in ('meeting', 'qbr', 'call')
            ))
        )
        -- A sponsor voicing serious concerns is not healthy engagement: negative interactions
        -- do not reset the clock (csm_sentiment carries them).
        and coalesce(activities.sentiment, 'neutral') <> 'negative'

),

last_sponsor_touch as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        max(cast(sponsor_touches.occurred_at as date)) as last_touch_date,
        max(sponsor_touches.known_at) as latest_known_at
    from account_dates
    inner join sponsor_touches
        on account_dates.account_id = sponsor_touches.account_id
        and cast(sponsor_touches.known_at as date) <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date

),

activity_measures as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case
            when activities.activity_type in ('meeting', 'qbr', 'call')
                and activities.outcome in ('completed', 'no_show', 'cancelled')
                and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -180) }}
                then 1
            else 0
        end) as meetings_scheduled_180d,
        sum(case
            when activities.activity_type in ('meeting', 'qbr', 'call')
                and activities.outcome = 'completed'
                and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -180) }}
                then 1
            else 0
        end) as meetings_held_180d,
        sum(case
            when activities.activity_type = 'email' and activities.direction = 'outbound'
                and activities.outcome in ('replied', 'no_reply')
                and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                then 1
            else 0
        end) as outreach_emails_90d,
        sum(case
            when activities.activity_type = 'email' and activities.direction = 'outbound'
                and activities.outcome = 'replied'
                and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                then 1
            else 0
        end) as outreach_replied_90d,
        max(case
            when activities.sentiment is not null
                and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                then activities.occurred_at
        end) as latest_sentiment_at,
        max(activities.known_at) as latest_activity_known_at
    from account_dates
    inner join activities
        on account_dates.account_id = activities.account_id
        and cast(activities.known_at as date) <= account_dates.as_of_date
        and cast(activities.occurred_at as date) > {{ add_days('account_dates.as_of_date', -180) }}
    group by account_dates.account_id, account_dates.as_of_date

),

latest_sentiment as (

    select
        activity_measures.account_id,
        activity_measures.as_of_date,
        avg({{ as_double(
            "case activities.sentiment when 'positive' then 1 when 'neutral' then 0 when 'negative' then -1 end"
        ) }}) as sentiment_value
    from activity_measures
    inner join activities
        on activity_measures.account_id = activities.account_id
        and activities.occurred_at = activity_measures.latest_sentiment_at
        and activities.sentiment is not null
        and cast(activities.known_at as date) <= activity_measures.as_of_date
    group by activity_measures.account_id, activity_measures.as_of_date

),

stakeholders as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        count(*) as contacts_known,
        sum(case
            when contacts.role in ('champion', 'executive_sponsor')
                and contacts.left_at is not null
                and cast(contacts.left_at as date) <= account_dates.as_of_date
                and cast(contacts.left_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                then 1
            else 0
        end) as stakeholders_departed_90d,
        max(case
            when contacts.left_at is not null and cast(contacts.left_at as date) <= account_dates.as_of_date
                then contacts.left_at
            else contacts.created_at
        end) as latest_contact_change_at
    from account_dates
    inner join contacts
        on account_dates.account_id = contacts.account_id
        and cast(contacts.created_at as date) <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date

),

latest_nps_per_respondent as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        nps_responses.score,
        nps_responses.responded_at,
        row_number() over (
            partition by account_dates.account_id, account_dates.as_of_date, nps_responses.respondent_id
            order by nps_responses.responded_at desc, nps_responses.response_id desc
        ) as answer_rank
    from account_dates
    inner join nps_responses
        on account_dates.account_id = nps_responses.account_id
        and cast(nps_responses.responded_at as date) <= account_dates.as_of_date
        and cast(nps_responses.responded_at as date) > {{ add_days('account_dates.as_of_date', -365) }}

),

nps as (

    select
        account_id,
        as_of_date,
        avg({{ as_double('score') }}) as latest_nps,
        max(responded_at) as latest_response_at
    from latest_nps_per_respondent
    where answer_rank = 1
    group by account_id, as_of_date

),

measured as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.is_cadence_date,
        case when crm_source.activity_rows = 0 then 'no CRM activity data source' end as activity_missing_reason,
        case when crm_source.contact_rows = 0 then 'no CRM contact data source' end as contact_missing_reason,
        case when crm_source.nps_rows = 0 then 'no NPS survey data source' end as nps_missing_reason,
        case
            when last_sponsor_touch.last_touch_date is not null
                then {{ days_between('last_sponsor_touch.last_touch_date', 'account_dates.as_of_date') }}
            else least(365, {{ days_between('accounts.created_at', 'account_dates.as_of_date') }})
        end as days_since_sponsor_touch,
        coalesce(activity_measures.meetings_scheduled_180d, 0) as meetings_scheduled_180d,
        coalesce(activity_measures.meetings_held_180d, 0) as meetings_held_180d,
        coalesce(activity_measures.outreach_emails_90d, 0) as outreach_emails_90d,
        coalesce(activity_measures.outreach_replied_90d, 0) as outreach_replied_90d,
        latest_sentiment.sentiment_value,
        coalesce(stakeholders.contacts_known, 0) as contacts_known,
        coalesce(stakeholders.stakeholders_departed_90d, 0) as stakeholders_departed_90d,
        nps.latest_nps,
        last_sponsor_touch.latest_known_at as latest_sponsor_touch_at,
        activity_measures.latest_activity_known_at,
        stakeholders.latest_contact_change_at,
        nps.latest_response_at
    from account_dates
    cross join crm_source
    inner join accounts
        on account_dates.account_id = accounts.account_id
    left join last_sponsor_touch
        on account_dates.account_id = last_sponsor_touch.account_id
        and account_dates.as_of_date = last_sponsor_touch.as_of_date
    left join activity_measures
        on account_dates.account_id = activity_measures.account_id
        and account_dates.as_of_date = activity_measures.as_of_date
    left join latest_sentiment
        on account_dates.account_id = latest_sentiment.account_id
        and account_dates.as_of_date = latest_sentiment.as_of_date
    left join stakeholders
        on account_dates.account_id = stakeholders.account_id
        and account_dates.as_of_date = stakeholders.as_of_date
    left join nps
        on account_dates.account_id = nps.account_id
        and account_dates.as_of_date = nps.as_of_date

),

final as (

    {{ unpivot_signals('measured', [
        {
            'signal': 'days_since_sponsor_touch',
            'raw_value': 'measured.days_since_sponsor_touch',
            'missing_reason': 'coalesce(measured.activity_missing_reason, measured.contact_missing_reason)',
            'latest_input_at': 'measured.latest_sponsor_touch_at',
        },
        {
            'signal': 'meeting_attendance',
            'raw_value': as_double('measured.meetings_held_180d') ~ ' / measured.meetings_scheduled_180d',
            'missing_reason': "coalesce(measured.activity_missing_reason, case when measured.meetings_scheduled_180d = 0 then 'no meeting scheduled in the last 180 days' end)",
        },
        {
            'signal': 'outreach_responsiveness',
            'raw_value': as_double('measured.outreach_replied_90d') ~ ' / measured.outreach_emails_90d',
            'missing_reason': "coalesce(measured.activity_missing_reason, " ~ email_outcome_not_provided ~ "case when measured.outreach_emails_90d = 0 then 'no outbound email with a known outcome in the last 90 days' end)",
        },
        {
            'signal': 'latest_nps',
            'raw_value': 'measured.latest_nps',
            'missing_reason': "coalesce(measured.nps_missing_reason, case when measured.latest_nps is null then 'no NPS answer in the last 365 days' end)",
            'latest_input_at': 'measured.latest_response_at',
        },
        {
            'signal': 'stakeholder_departed_90d',
            'raw_value': 'case when measured.stakeholders_departed_90d > 0 then 1.0 else 0.0 end',
            'missing_reason': "coalesce(measured.contact_missing_reason, " ~ departures_not_provided ~ "case when measured.contacts_known = 0 then 'no contact known for this account' end)",
            'latest_input_at': 'measured.latest_contact_change_at',
        },
        {
            'signal': 'csm_sentiment',
            'raw_value': 'measured.sentiment_value',
            'missing_reason': "coalesce(measured.activity_missing_reason, " ~ sentiment_not_provided ~ "case when measured.sentiment_value is null then 'no sentiment logged in the last 90 days' end)",
        },
    ], latest_input_at='measured.latest_activity_known_at') }}

)

select * from final
