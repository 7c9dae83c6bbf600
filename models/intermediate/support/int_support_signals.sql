{{ config(**incremental_by_date()) }}

{#-
    Support signals per account and scoring date, point in time (tickets created on or before
    the date; a ticket counts as open until its solved_at):
      open_high_urgent_tickets  high or urgent tickets open on the date
      tickets_per_seat_90d      tickets created in the last 90 days per licensed seat
      csat                      share of good ratings (ticket good/bad, CSAT survey 4-5) in 180 d
      escalations_90d           escalated tickets created in the last 90 days
    Counts are real zeros when the support source has rows but the account filed no ticket;
    they are missing only when the source is empty (or, for escalations, has no is_escalated
    values at all). CSAT is missing when the account gave no rating in the window.
-#}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        licensed_seats
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

tickets as (

    select
        ticket_id,
        account_id,
        priority,
        status,
        created_at,
        solved_at,
        csat,
        is_escalated,
        -- A rating is given once the ticket is solved; without solved_at, at creation.
        coalesce(solved_at, created_at) as rated_at
    from {{ ref('stg_support__tickets') }}

),

csat_surveys as (

    select
        account_id,
        responded_at,
        case when score >= 4 then 1 else 0 end as is_good
    from {{ ref('stg_crm__survey_responses') }}
    where survey_type = 'csat'

),

support_source as (

    select
        count(*) as ticket_rows,
        sum(case when is_escalated is not null then 1 else 0 end) as escalation_flag_rows,
        (select count(*) from csat_surveys) as csat_survey_rows
    from tickets

),

ticket_counts as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case
            when tickets.priority in ('high', 'urgent')
                and (
                    (tickets.solved_at is null and tickets.status not in ('solved', 'closed'))
                    or cast(tickets.solved_at as date) > account_dates.as_of_date
                )
                then 1
            else 0
        end) as open_high_urgent_tickets,
        sum(case when cast(tickets.created_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                then 1
            else 0
        end) as tickets_90d,
        sum(case when cast(tickets.created_at as date) > {{ add_days('account_dates.as_of_date', -90) }}
                and tickets.is_escalated then 1
            else 0
        end) as escalations_90d,
        max(tickets.created_at) as latest_ticket_at
    from account_dates
    inner join tickets
        on account_dates.account_id = tickets.account_id
        and cast(tickets.created_at as date) <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date

),

ratings as (

    select
        tickets.account_id,
        tickets.rated_at,
        case when tickets.csat = 'good' then 1 else 0 end as is_good
    from tickets
    where tickets.csat is not null

    union all

    select
        csat_surveys.account_id,
        csat_surveys.responded_at as rated_at,
        csat_surveys.is_good
    from csat_surveys

),

rating_shares as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        count(*) as ratings_180d,
        sum(ratings.is_good) as good_ratings_180d,
        max(ratings.rated_at) as latest_rating_at
    from account_dates
    inner join ratings
        on account_dates.account_id = ratings.account_id
        and cast(ratings.rated_at as date) <= account_dates.as_of_date
        and cast(ratings.rated_at as date) > {{ add_days('account_dates.as_of_date', -180) }}
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
        case when support_source.ticket_rows = 0 then 'no support data source' end as support_missing_reason,
        support_source.escalation_flag_rows,
        support_source.ticket_rows + support_source.csat_survey_rows as rating_source_rows,
        coalesce(ticket_counts.open_high_urgent_tickets, 0) as open_high_urgent_tickets,
        coalesce(ticket_counts.tickets_90d, 0) as tickets_90d,
        coalesce(ticket_counts.escalations_90d, 0) as escalations_90d,
        coalesce(account_dates.licensed_seats, provisioned_users.provisioned_users) as seat_base,
        coalesce(rating_shares.ratings_180d, 0) as ratings_180d,
        rating_shares.good_ratings_180d,
        ticket_counts.latest_ticket_at,
        rating_shares.latest_rating_at
    from account_dates
    cross join support_source
    left join ticket_counts
        on account_dates.account_id = ticket_counts.account_id
        and account_dates.as_of_date = ticket_counts.as_of_date
    left join rating_shares
        on account_dates.account_id = rating_shares.account_id
        and account_dates.as_of_date = rating_shares.as_of_date
    left join provisioned_users
        on account_dates.account_id = provisioned_users.account_id
        and account_dates.as_of_date = provisioned_users.as_of_date

),

final as (

    {{ unpivot_signals('measured', [
        {
            'signal': 'open_high_urgent_tickets',
            'raw_value': 'measured.open_high_urgent_tickets',
            'missing_reason': 'measured.support_missing_reason',
        },
        {
            'signal': 'tickets_per_seat_90d',
            'raw_value': as_double('measured.tickets_90d') ~ ' / measured.seat_base',
            'missing_reason': "coalesce(measured.support_missing_reason, case when coalesce(measured.seat_base, 0) = 0 then 'no seat count and no provisioned users' end)",
        },
        {
            'signal': 'csat',
            'raw_value': as_double('measured.good_ratings_180d') ~ ' / measured.ratings_180d',
            'missing_reason': "case when measured.rating_source_rows = 0 then 'no support ticket or CSAT survey data source' when measured.ratings_180d = 0 then 'no satisfaction rating in the last 180 days' end",
            'latest_input_at': 'measured.latest_rating_at',
        },
        {
            'signal': 'escalations_90d',
            'raw_value': 'measured.escalations_90d',
            'missing_reason': "coalesce(measured.support_missing_reason, case when measured.escalation_flag_rows = 0 then 'no is_escalated values in the support source' end)",
        },
    ], latest_input_at='measured.latest_ticket_at') }}

)

select * from final
