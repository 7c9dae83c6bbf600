{{ config(**incremental_by_date()) }}

{#-
    Commercial signals per account and scoring date, point in time (an invoice counts from its
    issued_at; it is paid on a date only if paid_at is on or before it):
      on_time_payment_rate   share of invoices due in the last 365 days paid by their due date
      overdue_amount_months  amount past due and unpaid, in months of ARR / 12
      disputes_365d          invoices issued in the last 365 days that were disputed
      late_invoices_90d      invoices due in the last 90 days not paid by their due date
      seat_utilisation       provisioned product users / licensed seats of the term in force
      tenure_days            days since the account's first term started (else since it was
                             created): new accounts churn differently
      is_first_term          1 while the term in force is the account's first, else 0
      cancellation_requested 1 when the term in force has a canceled_at on or before the date
      arr_change_at_last_renewal    ARR of the term in force against the term before it,
      seats_change_at_last_renewal  and the same for seats (relative change, -1 to 1)
      open_expansion_opportunities  expansion opportunities created on or before the date and
      open_renewal_opportunities    not closed by then (and the same for renewal ones)
    Void invoices are ignored. Missing when the invoice source is empty, when the account had
    no invoice due in the window (payment rate), when there is no ARR or seat count, or when
    the source has no is_disputed values at all; the cancellation flag when no subscription
    row carries a canceled_at (the source does not record requests); the changes at the last
    renewal during the first term; the opportunity counts when the opportunity source is empty.
    An opportunity closed with no close_date is taken as closed on every date.
    Under a source mapping that cannot provide product users' deactivated_at (docs/mappings.md:
    Segment), seat_utilisation is missing: users never deactivated would only add up.
-#}

{%- set deactivation_connector = contract_column_not_provided('product_users', 'deactivated_at') -%}
{%- set deactivation_not_provided = (" when true then 'deactivated_at of product users not provided by the "
                                     ~ deactivation_connector ~ " mapping'") if deactivation_connector else '' -%}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        licensed_seats,
        arr,
        subscription_id,
        term_start_date
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

accounts as (

    select
        account_id,
        created_at
    from {{ ref('stg_crm__accounts') }}

),

subscriptions as (

    select
        subscription_id,
        account_id,
        seats,
        arr,
        start_date,
        canceled_at
    from {{ ref('stg_billing__subscriptions') }}

),

opportunities as (

    select
        account_id,
        opportunity_type,
        created_at,
        close_date,
        is_closed
    from {{ ref('stg_crm__opportunities') }}

),

subscription_source as (

    select
        count(*) as subscription_rows,
        sum(case when canceled_at is not null then 1 else 0 end) as cancellation_rows
    from subscriptions

),

opportunity_source as (

    select count(*) as opportunity_rows from opportunities

),

-- The term in force, the account's first term and the term before the one in force.
term_history as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        min(subscriptions.start_date) as first_start_date,
        max(case
            when subscriptions.start_date < account_dates.term_start_date then subscriptions.start_date
        end) as previous_start_date,
        max(case
            when subscriptions.subscription_id = account_dates.subscription_id
                and cast(subscriptions.canceled_at as date) <= account_dates.as_of_date
                then 1
            else 0
        end) as cancellation_requested
    from account_dates
    inner join subscriptions
        on account_dates.account_id = subscriptions.account_id
        and subscriptions.start_date <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date

),

previous_terms as (

    select
        term_history.account_id,
        term_history.as_of_date,
        sum(subscriptions.arr) as previous_arr,
        sum(subscriptions.seats) as previous_seats,
        count(subscriptions.seats) as previous_terms_with_seats,
        count(*) as previous_terms
    from term_history
    inner join subscriptions
        on term_history.account_id = subscriptions.account_id
        and term_history.previous_start_date = subscriptions.start_date
    group by term_history.account_id, term_history.as_of_date

),

open_opportunities as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case when opportunities.opportunity_type = 'expansion' then 1 else 0 end) as open_expansion_opportunities,
        sum(case when opportunities.opportunity_type = 'renewal' then 1 else 0 end) as open_renewal_opportunities
    from account_dates
    inner join opportunities
        on account_dates.account_id = opportunities.account_id
        and cast(opportunities.created_at as date) <= account_dates.as_of_date
        and not (
            opportunities.is_closed
            and (opportunities.close_date is null or opportunities.close_date <= account_dates.as_of_date)
        )
    group by account_dates.account_id, account_dates.as_of_date

),

invoices as (

    select
        invoice_id,
        account_id,
        amount_due,
        issued_at,
        due_at,
        paid_at,
        is_disputed
    from {{ ref('stg_billing__invoices') }}
    where status <> 'void'

),

users as (

    select
        account_id,
        created_at,
        deactivated_at
    from {{ ref('stg_product__users') }}

),

invoice_source as (

    select
        count(*) as invoice_rows,
        sum(case when is_disputed is not null then 1 else 0 end) as dispute_flag_rows
    from invoices

),

product_source as (

    select count(*) as user_rows from users

),

invoice_measures as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case
            when cast(invoices.due_at as date) <= account_dates.as_of_date
                and cast(invoices.due_at as date) > {{ add_days('account_dates.as_of_date', -365) }}
                then 1
            else 0
        end) as invoices_due_365d,
        sum(case
            when cast(invoices.due_at as date) <= account_dates.as_of_date
                and cast(invoices.due_at as date) > {{ add_days('account_dates.as_of_date', -365) }}
                and invoices.paid_at is not null
                and invoices.paid_at <= invoices.due_at
                and cast(invoices.paid_at as date) <= account_dates.as_of_date
                then 1
            else 0
        end) as invoices_paid_on_time_365d,
        sum(case
            when cast(invoices.due_at as date) < account_dates.as_of_date
                and (invoices.paid_at is null or cast(invoices.paid_at as date) > account_dates.as_of_date)
                then invoices.amount_due
            else 0
        end) as overdue_amount,
        sum(case
            when cast(invoices.issued_at as date) > {{ add_days('account_dates.as_of_date', -365) }}
                and invoices.is_disputed
                then 1
            else 0
        end) as disputes_365d,
        -- Due in the last 90 days and not paid by the due date: paid late, or still unpaid on
        -- the date (a payment after the date does not count as known yet).
        sum(case
            when cast(invoices.due_at as date) <= account_dates.as_of_date
                and cast(invoices.due_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                and (invoices.paid_at is null or invoices.paid_at > invoices.due_at)
                then 1
            else 0
        end) as late_invoices_90d,
        max(case
            when invoices.paid_at is not null and cast(invoices.paid_at as date) <= account_dates.as_of_date
                and invoices.paid_at > invoices.issued_at
                then invoices.paid_at
            else invoices.issued_at
        end) as latest_invoice_input_at
    from account_dates
    inner join invoices
        on account_dates.account_id = invoices.account_id
        and cast(invoices.issued_at as date) <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date

),

provisioned_users as (

    select * from {{ ref('int_product_users_counted_by_date') }}

),

measured as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.is_cadence_date,
        case when invoice_source.invoice_rows = 0 then 'no invoice data source' end as invoice_missing_reason,
        invoice_source.dispute_flag_rows,
        product_source.user_rows,
        coalesce(invoice_measures.invoices_due_365d, 0) as invoices_due_365d,
        coalesce(invoice_measures.invoices_paid_on_time_365d, 0) as invoices_paid_on_time_365d,
        coalesce(invoice_measures.overdue_amount, 0) as overdue_amount,
        coalesce(invoice_measures.disputes_365d, 0) as disputes_365d,
        coalesce(invoice_measures.late_invoices_90d, 0) as late_invoices_90d,
        account_dates.arr,
        account_dates.licensed_seats,
        coalesce(provisioned_users.provisioned_users, 0) as provisioned_users,
        invoice_measures.latest_invoice_input_at,
        provisioned_users.latest_user_created_at,
        subscription_source.subscription_rows,
        subscription_source.cancellation_rows,
        opportunity_source.opportunity_rows,
        account_dates.subscription_id,
        {{ days_between(
            'coalesce(term_history.first_start_date, accounts.created_at)', 'account_dates.as_of_date'
        ) }} as tenure_days,
        case when term_history.previous_start_date is null then 1 else 0 end as is_first_term,
        coalesce(term_history.cancellation_requested, 0) as cancellation_requested,
        term_history.previous_start_date,
        previous_terms.previous_arr,
        case
            when previous_terms.previous_terms_with_seats = previous_terms.previous_terms
                then previous_terms.previous_seats
        end as previous_seats,
        coalesce(open_opportunities.open_expansion_opportunities, 0) as open_expansion_opportunities,
        coalesce(open_opportunities.open_renewal_opportunities, 0) as open_renewal_opportunities
    from account_dates
    cross join invoice_source
    cross join product_source
    cross join subscription_source
    cross join opportunity_source
    inner join accounts
        on account_dates.account_id = accounts.account_id
    left join term_history
        on account_dates.account_id = term_history.account_id
        and account_dates.as_of_date = term_history.as_of_date
    left join previous_terms
        on account_dates.account_id = previous_terms.account_id
        and account_dates.as_of_date = previous_terms.as_of_date
    left join open_opportunities
        on account_dates.account_id = open_opportunities.account_id
        and account_dates.as_of_date = open_opportunities.as_of_date
    left join invoice_measures
        on account_dates.account_id = invoice_measures.account_id
        and account_dates.as_of_date = invoice_measures.as_of_date
    left join provisioned_users
        on account_dates.account_id = provisioned_users.account_id
        and account_dates.as_of_date = provisioned_users.as_of_date

),

final as (

    {{ unpivot_signals('measured', [
        {
            'signal': 'on_time_payment_rate',
            'raw_value': as_double('measured.invoices_paid_on_time_365d') ~ ' / measured.invoices_due_365d',
            'missing_reason': "coalesce(measured.invoice_missing_reason, case when measured.invoices_due_365d = 0 then 'no invoice due in the last 365 days' end)",
        },
        {
            'signal': 'overdue_amount_months',
            'raw_value': as_double('measured.overdue_amount') ~ ' / (measured.arr / 12.0)',
            'missing_reason': "coalesce(measured.invoice_missing_reason, case when coalesce(measured.arr, 0) <= 0 then 'no ARR for the term in force' end)",
        },
        {
            'signal': 'disputes_365d',
            'raw_value': 'measured.disputes_365d',
            'missing_reason': "coalesce(measured.invoice_missing_reason, case when measured.dispute_flag_rows = 0 then 'no is_disputed values in the invoice source' end)",
        },
        {
            'signal': 'late_invoices_90d',
            'raw_value': 'measured.late_invoices_90d',
            'missing_reason': 'measured.invoice_missing_reason',
        },
        {
            'signal': 'seat_utilisation',
            'raw_value': as_double('measured.provisioned_users') ~ ' / measured.licensed_seats',
            'missing_reason': "case when measured.user_rows = 0 then 'no product user data source'" ~ deactivation_not_provided ~ " when coalesce(measured.licensed_seats, 0) = 0 then 'no seat count for the term in force' end",
            'latest_input_at': 'measured.latest_user_created_at',
        },
        {
            'signal': 'tenure_days',
            'raw_value': 'measured.tenure_days',
            'missing_reason': 'cast(null as ' ~ dbt.type_string() ~ ')',
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'is_first_term',
            'raw_value': 'measured.is_first_term',
            'missing_reason': "case when measured.subscription_rows = 0 then 'no subscription data source' when measured.subscription_id is null then 'no term in force' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'cancellation_requested',
            'raw_value': 'measured.cancellation_requested',
            'missing_reason': "case when measured.subscription_rows = 0 then 'no subscription data source' when measured.cancellation_rows = 0 then 'no canceled_at values in the subscription source' when measured.subscription_id is null then 'no term in force' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'arr_change_at_last_renewal',
            'raw_value': relative_change('measured.arr', 'measured.previous_arr'),
            'missing_reason': "case when measured.subscription_id is null then 'no term in force' when measured.previous_start_date is null then 'first term: no earlier term to compare with' when coalesce(measured.previous_arr, 0) <= 0 or measured.arr is null then 'no ARR for the earlier term' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'seats_change_at_last_renewal',
            'raw_value': relative_change('measured.licensed_seats', 'measured.previous_seats'),
            'missing_reason': "case when measured.subscription_id is null then 'no term in force' when measured.previous_start_date is null then 'first term: no earlier term to compare with' when coalesce(measured.previous_seats, 0) <= 0 or measured.licensed_seats is null then 'no seat count for the term in force or the earlier term' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'open_expansion_opportunities',
            'raw_value': 'measured.open_expansion_opportunities',
            'missing_reason': "case when measured.opportunity_rows = 0 then 'no opportunity data source' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
        {
            'signal': 'open_renewal_opportunities',
            'raw_value': 'measured.open_renewal_opportunities',
            'missing_reason': "case when measured.opportunity_rows = 0 then 'no opportunity data source' end",
            'latest_input_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
        },
    ], latest_input_at='measured.latest_invoice_input_at') }}

)

select * from final
