{#-
    Every raw row the pipeline did not use, with the contract rule it broke: null key, unknown
    account, unparseable or missing value, value outside its enumeration or range, timestamp
    after the as-of date, duplicate key, and CSV lines the loader could not parse at all.
    Nothing is dropped silently: source_table_status counts these rows per table.
-#}

{%- set validated = [
    ('crm_accounts', 'base_crm__accounts_validated', 'account_id'),
    ('crm_contacts', 'base_crm__contacts_validated', 'contact_id'),
    ('crm_activities', 'base_crm__activities_validated', 'activity_id'),
    ('crm_opportunities', 'base_crm__opportunities_validated', 'opportunity_id'),
    ('survey_responses', 'base_crm__survey_responses_validated', 'response_id'),
    ('billing_subscriptions', 'base_billing__subscriptions_validated', 'subscription_id'),
    ('billing_invoices', 'base_billing__invoices_validated', 'invoice_id'),
    ('product_users', 'base_product__users_validated', 'user_id'),
    ('product_events', 'base_product__events_validated', 'event_id'),
    ('support_tickets', 'base_support__tickets_validated', 'ticket_id'),
] -%}

with

load_rejects as (

    {{ import_raw_table('loader', 'healthscore_load_rejects', columns=['table_name', 'file_name', 'line_number', 'error_message', 'raw_line']) }}

),

-- product_events is too large to rank by key in full: candidate duplicate keys are found on the
-- raw text (a cheap group by), and only rows with those keys are ranked, keeping the same row
-- stg_product__events keeps.
candidate_event_ids as (

    select nullif(trim(event_id), '') as event_id
    from {{ ref('base_product__events') }}
    group by nullif(trim(event_id), '')
    having count(*) > 1

),

event_duplicates as (

    select
        event_id,
        account_id,
        record_text
    from (
        select
            events.event_id,
            events.account_id,
            events.record_text,
            row_number() over (
                partition by events.event_id
                order by events.occurred_at desc, events.record_text
            ) as key_occurrence
        from {{ ref('base_product__events_validated') }} as events
        inner join candidate_event_ids
            on events.event_id = candidate_event_ids.event_id
        where events.quarantine_reason is null
    ) as ranked
    where key_occurrence > 1

),

rejected as (

    {%- for table_name, model_name, key in validated %}
    select
        '{{ table_name }}' as source_table,
        {{ key }} as record_key,
        account_id,
        quarantine_reason,
        record_text as raw_record
    from {{ ref(model_name) }}
    where quarantine_reason is not null

    union all
    {%- endfor %}

    select
        'product_events' as source_table,
        event_id as record_key,
        account_id,
        'duplicate_key' as quarantine_reason,
        record_text as raw_record
    from event_duplicates

    union all

    select
        table_name as source_table,
        {{ dbt.concat(["'line '", "line_number"]) }} as record_key,
        cast(null as {{ dbt.type_string() }}) as account_id,
        {{ dbt.concat(["'malformed_line: '", "error_message"]) }} as quarantine_reason,
        raw_line as raw_record
    from load_rejects

),

final as (

    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(record_key as {{ dbt.type_string() }}) as record_key,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(quarantine_reason as {{ dbt.type_string() }}) as quarantine_reason,
        cast(raw_record as {{ dbt.type_string() }}) as raw_record,
        {{ as_of_date() }} as as_of_date
    from rejected

)

select * from final
