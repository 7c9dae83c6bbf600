{{ config(**incremental_by_date()) }}

{#-
    Commercial signals per account and scoring date, point in time (an invoice counts from its
    issued_at; it is paid on a date only if paid_at is on or before it):
      on_time_payment_rate   share of invoices due in the last 365 days paid by their due date
      overdue_amount_months  amount past due and unpaid, in months of ARR / 12
      disputes_365d          invoices issued in the last 365 days that were disputed
      seat_utilisation       provisioned product users / licensed seats of the term in force
    Void invoices are ignored. Missing when the invoice source is empty, when the account had
    no invoice due in the window (payment rate), when there is no ARR or seat count, or when
    the source has no is_disputed values at all.
-#}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        licensed_seats,
        arr
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

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
            then 1 else 0
        end) as invoices_due_365d,
        sum(case
            when cast(invoices.due_at as date) <= account_dates.as_of_date
                and cast(invoices.due_at as date) > {{ add_days('account_dates.as_of_date', -365) }}
                and invoices.paid_at is not null
                and invoices.paid_at <= invoices.due_at
                and cast(invoices.paid_at as date) <= account_dates.as_of_date
            then 1 else 0
        end) as invoices_paid_on_time_365d,
        sum(case
            when cast(invoices.due_at as date) < account_dates.as_of_date
                and (invoices.paid_at is null or cast(invoices.paid_at as date) > account_dates.as_of_date)
            then invoices.amount_due else 0
        end) as overdue_amount,
        sum(case
            when cast(invoices.issued_at as date) > {{ add_days('account_dates.as_of_date', -365) }}
                and invoices.is_disputed
            then 1 else 0
        end) as disputes_365d,
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
        account_dates.arr,
        account_dates.licensed_seats,
        coalesce(provisioned_users.provisioned_users, 0) as provisioned_users,
        invoice_measures.latest_invoice_input_at,
        provisioned_users.latest_user_created_at
    from account_dates
    cross join invoice_source
    cross join product_source
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
            'signal': 'seat_utilisation',
            'raw_value': as_double('measured.provisioned_users') ~ ' / measured.licensed_seats',
            'missing_reason': "case when measured.user_rows = 0 then 'no product user data source' when coalesce(measured.licensed_seats, 0) = 0 then 'no seat count for the term in force' end",
            'latest_input_at': 'measured.latest_user_created_at',
        },
    ], latest_input_at='measured.latest_invoice_input_at') }}

)

select * from final
