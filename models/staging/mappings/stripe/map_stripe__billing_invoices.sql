{{ config(materialized='view', enabled=(var('healthscore_billing_mapping', none) == 'stripe')) }}

{#-
    billing_invoices from Stripe (Fivetran's schema): one row per invoice issued, drafts and
    deleted invoices left out (a draft is not issued yet).
    - issued_at: when the invoice was finalized, else created; due_at: its due_date, which
      Stripe sets only for invoices sent for payment (collection_method send_invoice); an
      invoice charged automatically is due when it is finalized, so due_at is issued_at.
    - paid_at: status_transitions_paid_at of a paid invoice; status as Stripe's (open, paid,
      void, uncollectible).
    - amount_due: in the currency's major unit (Stripe's amounts are in cents).
    - is_disputed: whether a charge of the invoice (charge.invoice_id or invoice.charge_id) was
      disputed, whatever the dispute's outcome; null when no dispute table was loaded.
    - subscription_id: the term (map_stripe__billing_subscriptions) whose period the invoice
      bills, null for an invoice without a subscription line (one-off invoice items).
-#}

{%- set account_link = stripe_customer_account_id() -%}
{%- set linked_account = mapping_json_text('customers.account_link', account_link['metadata_key'])
    if account_link['metadata_key'] is not none else 'customers.account_link' -%}
{#- Disputes are known when Stripe's dispute table was loaded (charges link them to invoices);
    both tables are looked up here, so that dbt records both sources when it parses the model. -#}
{%- set has_charges = connector_table_exists('stripe', 'charge') -%}
{%- set has_disputes = connector_table_exists('stripe', 'dispute') -%}
{%- set period_start_text = 'cast(cast(line_items.period_start as date) as ' ~ dbt.type_string() ~ ')' %}

with

invoices as (

    select * from {{ connector_table('stripe', 'invoice', {
        'id': 'string', 'customer_id': 'string', 'status': 'string', 'amount_due': 'integer',
        'currency': 'string', 'created': 'timestamp', 'due_date': 'timestamp',
        'status_transitions_finalized_at': 'timestamp', 'status_transitions_paid_at': 'timestamp',
        'charge_id': 'string', 'is_deleted': 'boolean', 'livemode': 'boolean',
    }, required=true) }} as invoices

),

line_items as (

    select * from {{ connector_table('stripe', 'invoice_line_item', {
        'invoice_id': 'string', 'subscription_id': 'string', 'type': 'string as line_type',
        'proration': 'boolean', 'period_start': 'timestamp',
    }, required=true) }} as line_items

),

customers as (

    select * from {{ connector_table('stripe', 'customer', {'id': 'string'},
        expressions={'account_link': account_link['expression'] or 'metadata'}, required=true) }} as customers

),

customer_accounts as (

    select
        customers.id as customer_id,
        cast({{ linked_account }} as {{ dbt.type_string() }}) as account_id
    from customers

),

invoice_terms as (

    select
        line_items.invoice_id,
        min({{ dbt.concat(['line_items.subscription_id', "':'", period_start_text]) }}) as subscription_id
    from line_items
    where line_items.line_type = 'subscription'
        and line_items.subscription_id is not null
        and line_items.period_start is not null
        and not coalesce(line_items.proration, false)
    group by line_items.invoice_id

),

{%- if has_disputes %}

charges as (

    select * from {{ connector_table('stripe', 'charge', {'id': 'string', 'invoice_id': 'string'}) }}
        as charges

),

disputes as (

    select * from {{ connector_table('stripe', 'dispute', {'id': 'string', 'charge_id': 'string'}) }}
        as disputes

),

disputed_invoices as (

    select charges.invoice_id
    from disputes
    inner join charges
        on disputes.charge_id = charges.id
    where charges.invoice_id is not null

    union

    select invoices.id as invoice_id
    from disputes
    inner join invoices
        on disputes.charge_id = invoices.charge_id

),

{%- endif %}

issued as (

    select
        invoices.id as invoice_id,
        invoices.customer_id,
        lower(invoices.status) as status,
        cast(
            {{ stripe_major_units('invoices.amount_due', 'invoices.currency') }} as {{ dbt.type_numeric() }}
        ) as amount_due,
        coalesce(invoices.status_transitions_finalized_at, invoices.created) as issued_at,
        invoices.due_date,
        invoices.status_transitions_paid_at
    from invoices
    where lower(invoices.status) <> 'draft'
        and not coalesce(invoices.is_deleted, false)
        and coalesce(invoices.livemode, true)

),

final as (

    select
        issued.invoice_id,
        customer_accounts.account_id,
        invoice_terms.subscription_id,
        issued.amount_due,
        issued.issued_at,
        coalesce(issued.due_date, issued.issued_at) as due_at,
        case when issued.status = 'paid' then issued.status_transitions_paid_at end as paid_at,
        issued.status,
        {%- if has_disputes %}
        disputed_invoices.invoice_id is not null as is_disputed
        {%- else %}
        cast(null as {{ dbt.type_boolean() }}) as is_disputed
        {%- endif %}
    from issued
    left join customer_accounts
        on issued.customer_id = customer_accounts.customer_id
    left join invoice_terms
        on issued.invoice_id = invoice_terms.invoice_id
    {%- if has_disputes %}
    left join disputed_invoices
        on issued.invoice_id = disputed_invoices.invoice_id
    {%- endif %}

)

select * from final
