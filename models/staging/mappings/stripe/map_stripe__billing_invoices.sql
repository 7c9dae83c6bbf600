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
{%- set has_disputes = connector_table_exists('stripe', 'dispute') %}

with

invoice as (

    select * from {{ connector_table('stripe', 'invoice', {
        'id': 'string', 'customer_id': 'string', 'status': 'string', 'amount_due': 'integer',
        'currency': 'string', 'created': 'timestamp', 'due_date': 'timestamp',
        'status_transitions_finalized_at': 'timestamp', 'status_transitions_paid_at': 'timestamp',
        'charge_id': 'string', 'is_deleted': 'boolean', 'livemode': 'boolean',
    }) }} as invoice

),

invoice_line_item as (

    select * from {{ connector_table('stripe', 'invoice_line_item', {
        'invoice_id': 'string', 'subscription_id': 'string', 'type': 'string as line_type',
        'proration': 'boolean', 'period_start': 'timestamp',
    }) }} as invoice_line_item

),

charge as (

    select * from {{ connector_table('stripe', 'charge', {'id': 'string', 'invoice_id': 'string'}) }} as charge

),

dispute as (

    select * from {{ connector_table('stripe', 'dispute', {'id': 'string', 'charge_id': 'string'}) }} as dispute

),

customer as (

    select * from {{ connector_table('stripe', 'customer', {'id': 'string'},
        expressions={'account_link': account_link['expression'] if account_link['expression'] is not none else 'metadata'}) }} as customer

),

customer_accounts as (

    select
        customer.id as customer_id,
        {%- if account_link['metadata_key'] is not none %}
        cast({{ mapping_json_text('customer.account_link', account_link['metadata_key']) }} as {{ dbt.type_string() }}) as account_id
        {%- else %}
        cast(customer.account_link as {{ dbt.type_string() }}) as account_id
        {%- endif %}
    from customer

),

invoice_terms as (

    select
        invoice_line_item.invoice_id,
        min({{ dbt.concat(['invoice_line_item.subscription_id', "':'", 'cast(cast(invoice_line_item.period_start as date) as ' ~ dbt.type_string() ~ ')']) }}) as subscription_id
    from invoice_line_item
    where invoice_line_item.line_type = 'subscription'
        and invoice_line_item.subscription_id is not null
        and invoice_line_item.period_start is not null
        and not coalesce(invoice_line_item.proration, false)
    group by invoice_line_item.invoice_id

),

disputed_invoices as (

    select charge.invoice_id
    from dispute
    inner join charge
        on dispute.charge_id = charge.id
    where charge.invoice_id is not null

    union

    select invoice.id as invoice_id
    from dispute
    inner join invoice
        on dispute.charge_id = invoice.charge_id

),

issued as (

    select
        invoice.id as invoice_id,
        invoice.customer_id,
        lower(invoice.status) as status,
        {{ stripe_major_units('invoice.amount_due', 'invoice.currency') }} as amount_due,
        coalesce(invoice.status_transitions_finalized_at, invoice.created) as issued_at,
        invoice.due_date,
        invoice.status_transitions_paid_at
    from invoice
    where lower(invoice.status) <> 'draft'
        and not coalesce(invoice.is_deleted, false)
        and coalesce(invoice.livemode, true)

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
    left join (select distinct disputed_invoices.invoice_id from disputed_invoices) as disputed_invoices
        on issued.invoice_id = disputed_invoices.invoice_id

)

select * from final
