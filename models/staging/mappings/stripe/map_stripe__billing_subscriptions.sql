{{ config(materialized='view', enabled=(var('healthscore_billing_mapping', none) == 'stripe')) }}

{#-
    billing_subscriptions from Stripe (Fivetran's schema): one row per contract term, a term
    being one period a subscription billed, as its invoice lines record it (type subscription,
    prorations left out, lines of void or deleted invoices left out, trial periods billed at 0
    left out). A monthly subscription thus has a term per month and an annual one a term per
    year, which is what the renewal rules expect: the next period starting at this one's end is
    a renewal, no next period a churn. The term's id is `<stripe subscription id>:<period
    start date>`.
    - arr: per line, the price's unit amount (unit_amount_decimal, else unit_amount) x quantity,
      else the line's amount, annualised by the price's interval (else by the period's length),
      in the currency's major unit; summed over the term's lines (several subscription items).
    - seats and plan: the quantity and the price's nickname (else its product) of the term's
      largest line.
    - canceled_at: the subscription's, on its last term; end_date: the period's end, or the
      subscription's ended_at when it ended earlier (canceled at once).
    Amounts are not converted between currencies.
-#}

{%- set account_link = stripe_customer_account_id() -%}
{%- set linked_account = mapping_json_text('customers.account_link', account_link['metadata_key'])
    if account_link['metadata_key'] is not none else 'customers.account_link' -%}
{%- set using_price = var('healthscore_stripe_using_price', true) -%}
{%- set using_history = var('healthscore_stripe_using_subscription_history', false) -%}
{%- set start_date_text = 'cast(ordered_terms.start_date as ' ~ dbt.type_string() ~ ')' %}

with

line_items as (

    select * from {{ connector_table('stripe', 'invoice_line_item', {
        'id': 'string', 'invoice_id': 'string', 'subscription_id': 'string',
        'subscription_item_id': 'string', 'price_id': 'string', 'plan_id': 'string',
        'type': 'string as line_type', 'proration': 'boolean', 'quantity': 'integer',
        'amount': 'integer', 'currency': 'string', 'period_start': 'timestamp',
        'period_end': 'timestamp', 'livemode': 'boolean',
    }, required=true) }} as line_items

),

invoices as (

    select * from {{ connector_table('stripe', 'invoice', {
        'id': 'string', 'customer_id': 'string', 'status': 'string', 'created': 'timestamp',
        'is_deleted': 'boolean', 'livemode': 'boolean',
    }, required=true) }} as invoices

),

prices as (

    {%- if using_price %}
    select * from {{ connector_table('stripe', 'price', {
        'id': 'string', 'nickname': 'string', 'product_id': 'string', 'unit_amount': 'integer',
        'unit_amount_decimal': 'string', 'recurring_interval': 'string',
        'recurring_interval_count': 'integer',
    }) }} as prices
    {%- else %}
    select * from {{ connector_table('stripe', 'plan', {
        'id': 'string', 'nickname': 'string', 'product_id': 'string',
        'amount': 'integer as unit_amount', 'interval': 'string as recurring_interval',
        'interval_count': 'integer as recurring_interval_count',
    }, expressions={'unit_amount_decimal': 'cast(null as ' ~ dbt.type_string() ~ ')'}) }} as prices
    {%- endif %}

),

subscriptions as (

    {%- if using_history %}
    select * from {{ connector_table('stripe', 'subscription_history', {
        'id': 'string', 'customer_id': 'string', 'canceled_at': 'timestamp',
        'ended_at': 'timestamp', 'trial_end': 'timestamp', 'livemode': 'boolean',
        '_fivetran_active': 'boolean',
    }) }} as subscriptions
    where subscriptions._fivetran_active
    {%- else %}
    select * from {{ connector_table('stripe', 'subscription', {
        'id': 'string', 'customer_id': 'string', 'canceled_at': 'timestamp',
        'ended_at': 'timestamp', 'trial_end': 'timestamp', 'livemode': 'boolean',
    }) }} as subscriptions
    {%- endif %}

),

customers as (

    select * from {{ connector_table('stripe', 'customer', {
        'id': 'string', 'livemode': 'boolean',
    }, expressions={'account_link': account_link['expression'] or 'metadata'}, required=true) }} as customers

),

customer_accounts as (

    select
        customers.id as customer_id,
        cast({{ linked_account }} as {{ dbt.type_string() }}) as account_id
    from customers
    where coalesce(customers.livemode, true)

),

subscription_lines as (

    select
        line_items.id as line_id,
        line_items.subscription_id as stripe_subscription_id,
        invoices.customer_id,
        cast(line_items.period_start as date) as start_date,
        cast(line_items.period_end as date) as end_date,
        coalesce(line_items.price_id, line_items.plan_id) as price_id,
        line_items.quantity,
        line_items.amount,
        line_items.currency,
        row_number() over (
            partition by
                line_items.subscription_id,
                line_items.period_start,
                line_items.period_end,
                coalesce(
                    line_items.subscription_item_id, line_items.price_id, line_items.plan_id, line_items.id
                )
            order by invoices.created desc, line_items.id asc
        ) as line_copy
    from line_items
    inner join invoices
        on line_items.invoice_id = invoices.id
    left join subscriptions
        on line_items.subscription_id = subscriptions.id
    where line_items.line_type = 'subscription'
        and line_items.subscription_id is not null
        and line_items.period_start is not null
        and not coalesce(line_items.proration, false)
        and coalesce(line_items.livemode, true)
        and coalesce(invoices.status, 'draft') <> 'void'
        and not coalesce(invoices.is_deleted, false)
        and not (
            coalesce(line_items.amount, 0) = 0
            and subscriptions.trial_end is not null
            and line_items.period_end <= subscriptions.trial_end
        )

),

priced_lines as (

    select
        subscription_lines.line_id,
        subscription_lines.stripe_subscription_id,
        subscription_lines.customer_id,
        subscription_lines.start_date,
        subscription_lines.end_date,
        subscription_lines.quantity,
        subscription_lines.amount,
        subscription_lines.currency,
        coalesce(prices.nickname, prices.product_id, subscription_lines.price_id) as plan,
        coalesce(cast(prices.unit_amount_decimal as {{ dbt.type_numeric() }}), prices.unit_amount)
        * coalesce(subscription_lines.quantity, 1) as price_amount,
        case lower(prices.recurring_interval)
            when 'day' then 365.0
            when 'week' then 52.0
            when 'month' then 12.0
            when 'year' then 1.0
        end / nullif(coalesce(prices.recurring_interval_count, 1), 0) as periods_per_year,
        {{ dbt.datediff('subscription_lines.start_date', 'subscription_lines.end_date', 'month') }}
            as period_months,
        {{ dbt.datediff('subscription_lines.start_date', 'subscription_lines.end_date', 'day') }}
            as period_days
    from subscription_lines
    left join prices
        on subscription_lines.price_id = prices.id
    where subscription_lines.line_copy = 1

),

annualised_lines as (

    select
        priced_lines.line_id,
        priced_lines.stripe_subscription_id,
        priced_lines.customer_id,
        priced_lines.start_date,
        priced_lines.end_date,
        priced_lines.quantity,
        priced_lines.plan,
        {{ stripe_major_units('coalesce(priced_lines.price_amount, priced_lines.amount)', 'priced_lines.currency') }}
        * coalesce(
            priced_lines.periods_per_year,
            12.0 / nullif(priced_lines.period_months, 0),
            365.0 / nullif(priced_lines.period_days, 0)
        ) as line_arr
    from priced_lines

),

ranked_lines as (

    select
        annualised_lines.*,
        row_number() over (
            partition by annualised_lines.stripe_subscription_id, annualised_lines.start_date
            order by annualised_lines.line_arr desc, annualised_lines.line_id asc
        ) as line_rank
    from annualised_lines

),

terms as (

    select
        ranked_lines.stripe_subscription_id,
        max(ranked_lines.customer_id) as customer_id,
        ranked_lines.start_date,
        max(ranked_lines.end_date) as end_date,
        sum(ranked_lines.line_arr) as arr,
        max(case when ranked_lines.line_rank = 1 then ranked_lines.quantity end) as seats,
        max(case when ranked_lines.line_rank = 1 then ranked_lines.plan end) as plan
    from ranked_lines
    group by ranked_lines.stripe_subscription_id, ranked_lines.start_date

),

ordered_terms as (

    select
        terms.*,
        row_number() over (
            partition by terms.stripe_subscription_id
            order by terms.start_date desc
        ) = 1 as is_last_term
    from terms

),

final as (

    select
        {{ dbt.concat(['ordered_terms.stripe_subscription_id', "':'", start_date_text]) }} as subscription_id,
        customer_accounts.account_id,
        cast(ordered_terms.plan as {{ dbt.type_string() }}) as plan,
        cast(ordered_terms.seats as {{ dbt.type_bigint() }}) as seats,
        cast(round(cast(ordered_terms.arr as {{ dbt.type_numeric() }}), 2) as {{ dbt.type_numeric() }}) as arr,
        ordered_terms.start_date,
        case
            when
                ordered_terms.is_last_term
                and cast(subscriptions.ended_at as date) < ordered_terms.end_date
                then cast(subscriptions.ended_at as date)
            else ordered_terms.end_date
        end as end_date,
        case when ordered_terms.is_last_term then subscriptions.canceled_at end as canceled_at
    from ordered_terms
    left join customer_accounts
        on ordered_terms.customer_id = customer_accounts.customer_id
    left join subscriptions
        on ordered_terms.stripe_subscription_id = subscriptions.id

)

select * from final
