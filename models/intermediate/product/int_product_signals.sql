{{ config(**incremental_by_date()) }}

{#-
    Product signals per account and scoring date, point in time: every measure uses only
    events and users timestamped on or before the as-of date.
      active_user_ratio        distinct active users (30 d) / licensed seats (else provisioned users)
      login_frequency          active days per active user (30 d)
      feature_adoption_breadth core features used (90 d) / core features
      usage_trend              events, last 30 d against the 30 d before, relative change in [-1, 1]
      volume_trend             summed quantity, same comparison
      events_28d               events in the last 28 d (the absolute level of use)
      events_7d                events in the last 7 d (the most recent level)
      usage_change_vs_baseline ln((events in the last 28 d + 1) / (the account's own baseline + 1)):
                               the baseline is its events per 28 d over the up to 84 days before
                               (at least 28 of them known, so missing under 56 days of data)
      volume_change_vs_baseline the same for the summed quantity (records, API calls)
      active_days_28d          days with any event in the last 28 d
      days_since_last_activity days since the last event (at most 90)
      active_users_30d         distinct active users in the last 30 d (not a ratio: team size)
    Windowed counts of an account with fewer days of product data than the window (a young
    account, or the first weeks of the data) are scaled to the window: 28 / min(28, days known),
    so an account 10 days old is not read as inactive. A trend is missing, not 0, while the
    account has less than 60 days of product data or its earlier window is empty (an account
    growing from nothing is not "trending up").
    feature_adoption_breadth is missing when no core feature of feature_catalogue occurs in the
    company's events at all (the company uses other event names).
    An account has product data from its first product user or event on; before that, or when
    the product tables are empty, its product signals are missing (never zero). When
    product_events is missing or empty (product_users alone), every signal but
    days_since_last_activity is missing too: no events is no evidence of no use.
    The daily user roll-up is read at each use, with that use's date filter, rather than as one
    CTE: an engine materialises a CTE read several times, which would copy every user-day.
    Under a source mapping that cannot provide the events' quantity (docs/mappings.md: Segment),
    volume_trend and volume_change_vs_baseline are missing, not a copy of the event counts.
-#}

{%- set quantity_connector = contract_column_not_provided('product_events', 'quantity') -%}
{%- set quantity_not_provided = ("'quantity of product events not provided by the "
                                 ~ quantity_connector ~ " mapping', ") if quantity_connector else '' -%}

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

feature_days as (

    select
        feature_days.account_id,
        feature_days.event_name,
        feature_days.activity_date
    from {{ ref('int_product_events_rolled_up_to_feature_days') }} as feature_days
    inner join {{ ref('feature_catalogue') }} as feature_catalogue
        on feature_days.event_name = feature_catalogue.event_name
    where feature_catalogue.is_core_feature
        and feature_days.activity_date >= {{ add_days(build_window_start(), -90) }}

),

users as (

    select
        account_id,
        created_at,
        deactivated_at
    from {{ ref('stg_product__users') }}

),

core_features as (

    select count(*) as core_feature_count
    from {{ ref('feature_catalogue') }}
    where is_core_feature

),

-- The first day any core feature of the catalogue was used, in the whole company: a company
-- whose events use other names has no adoption signal (missing, not a data-backed 0).
core_feature_evidence as (

    select min(feature_days.activity_date) as first_core_feature_date
    from {{ ref('int_product_events_rolled_up_to_feature_days') }} as feature_days
    inner join {{ ref('feature_catalogue') }} as feature_catalogue
        on feature_days.event_name = feature_catalogue.event_name
    where feature_catalogue.is_core_feature

),

product_source as (

    select
        source_counts.user_rows + source_counts.event_rows as product_rows,
        source_counts.event_rows
    from (
        select
            (select count(*) from users) as user_rows,
            (select count(*) from {{ ref('int_product_events_rolled_up_to_user_days') }}) as event_rows
    ) as source_counts

),

first_product_evidence as (

    select * from {{ ref('int_product_accounts_first_seen') }}

),

-- Distinct users active in the 30 days up to D. A user's activity on day d covers the dates
-- d .. d + 29; activity days at most 30 days apart chain into one covered span, so each user
-- counts once per date without joining every activity day to every date.
user_activity_breaks as (

    select
        account_id,
        user_id,
        activity_date,
        case
            when lag(activity_date) over (partition by account_id, user_id order by activity_date) is null then 1
            when {{ days_between(
                'lag(activity_date) over (partition by account_id, user_id order by activity_date)', 'activity_date'
            ) }} > 30 then 1
            else 0
        end as starts_span
    from {{ ref('int_product_events_rolled_up_to_user_days') }}
    where user_id is not null
        -- Only days that can cover a recomputed date (d .. d + 29) matter.
        and activity_date >= {{ add_days(build_window_start(), -30) }}

),

user_spans as (

    select
        account_id,
        user_id,
        min(activity_date) as covered_from,
        {{ add_days('max(activity_date)', 29) }} as covered_to
    from (
        select
            account_id,
            user_id,
            activity_date,
            sum(starts_span) over (
                partition by account_id, user_id
                order by activity_date
                rows between unbounded preceding and current row
            ) as span_number
        from user_activity_breaks
    ) as numbered
    group by account_id, user_id, span_number

),

active_users as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        count(*) as active_users_30d
    from account_dates
    inner join user_spans
        on account_dates.account_id = user_spans.account_id
        and account_dates.as_of_date between user_spans.covered_from and user_spans.covered_to
    group by account_dates.account_id, account_dates.as_of_date

),

-- The same chaining for core features over 90 days.
feature_use_breaks as (

    select
        account_id,
        event_name,
        activity_date,
        case
            when lag(activity_date) over (partition by account_id, event_name order by activity_date) is null then 1
            when {{ days_between(
                'lag(activity_date) over (partition by account_id, event_name order by activity_date)', 'activity_date'
            ) }} > 90 then 1
            else 0
        end as starts_span
    from feature_days

),

feature_spans as (

    select
        account_id,
        event_name,
        min(activity_date) as covered_from,
        {{ add_days('max(activity_date)', 89) }} as covered_to
    from (
        select
            account_id,
            event_name,
            activity_date,
            sum(starts_span) over (
                partition by account_id, event_name
                order by activity_date
                rows between unbounded preceding and current row
            ) as span_number
        from feature_use_breaks
    ) as numbered
    group by account_id, event_name, span_number

),

adopted_features as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        count(*) as core_features_used_90d
    from account_dates
    inner join feature_spans
        on account_dates.account_id = feature_spans.account_id
        and account_dates.as_of_date between feature_spans.covered_from and feature_spans.covered_to
    group by account_dates.account_id, account_dates.as_of_date

),

account_days as (

    select
        account_id,
        activity_date,
        sum(event_count) as event_count,
        sum(quantity_total) as quantity_total,
        count(user_id) as active_users,
        max(last_event_at) as last_event_at
    from {{ ref('int_product_events_rolled_up_to_user_days') }}
    where activity_date >= {{ add_days(build_window_start(), -112) }}
    group by account_id, activity_date

),

windowed_usage as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
                then account_days.event_count
            else 0
        end) as events_last_30d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -30) }}
                and account_days.activity_date > {{ add_days('account_dates.as_of_date', -60) }}
                then account_days.event_count
            else 0
        end) as events_prior_30d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
                then account_days.quantity_total
            else 0
        end) as quantity_last_30d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -30) }}
                and account_days.activity_date > {{ add_days('account_dates.as_of_date', -60) }}
                then account_days.quantity_total
            else 0
        end) as quantity_prior_30d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
                then account_days.active_users
            else 0
        end) as active_user_days_30d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -28) }}
                then account_days.event_count
            else 0
        end) as events_last_28d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -28) }}
                then 1
            else 0
        end) as active_days_28d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -7) }}
                then account_days.event_count
            else 0
        end) as events_last_7d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -28) }}
                then account_days.quantity_total
            else 0
        end) as quantity_last_28d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -28) }}
                then account_days.event_count
            else 0
        end) as events_baseline_84d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -28) }}
                then account_days.quantity_total
            else 0
        end) as quantity_baseline_84d,
        max(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -90) }}
                then account_days.activity_date
        end) as latest_activity_date,
        max(account_days.last_event_at) as latest_event_at
    from account_dates
    inner join account_days
        on account_dates.account_id = account_days.account_id
        and account_days.activity_date > {{ add_days('account_dates.as_of_date', -112) }}
        and account_days.activity_date <= account_dates.as_of_date
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
        case
            when product_source.product_rows = 0 then 'no product data source'
            when first_product_evidence.first_product_date is null
                or first_product_evidence.first_product_date > account_dates.as_of_date
                then 'no product data for this account yet'
        end as product_missing_reason,
        case
            when product_source.product_rows = 0 then 'no product data source'
            when product_source.event_rows = 0 then 'no product event data source'
            when first_product_evidence.first_product_date is null
                or first_product_evidence.first_product_date > account_dates.as_of_date
                then 'no product data for this account yet'
        end as event_missing_reason,
        coalesce(active_users.active_users_30d, 0) as active_users_30d,
        coalesce(windowed_usage.active_user_days_30d, 0) as active_user_days_30d,
        coalesce(windowed_usage.events_last_30d, 0) as events_last_30d,
        coalesce(windowed_usage.events_prior_30d, 0) as events_prior_30d,
        coalesce(windowed_usage.quantity_last_30d, 0) as quantity_last_30d,
        coalesce(windowed_usage.quantity_prior_30d, 0) as quantity_prior_30d,
        coalesce(adopted_features.core_features_used_90d, 0) as core_features_used_90d,
        core_features.core_feature_count,
        case
            when core_features.core_feature_count = 0 then 'no core features configured'
            when core_feature_evidence.first_core_feature_date is null
                or core_feature_evidence.first_core_feature_date > account_dates.as_of_date
                then 'no core feature of feature_catalogue occurs in the product events'
        end as feature_missing_reason,
        {{ days_between(
            'first_product_evidence.first_product_date', 'account_dates.as_of_date'
        ) }} + 1 as product_days_known,
        coalesce(windowed_usage.events_last_28d, 0) as events_last_28d,
        coalesce(windowed_usage.active_days_28d, 0) as active_days_28d,
        coalesce(windowed_usage.events_last_7d, 0) as events_last_7d,
        coalesce(windowed_usage.quantity_last_28d, 0) as quantity_last_28d,
        coalesce(windowed_usage.events_baseline_84d, 0) as events_baseline_84d,
        coalesce(windowed_usage.quantity_baseline_84d, 0) as quantity_baseline_84d,
        windowed_usage.latest_activity_date,
        first_product_evidence.first_product_date,
        coalesce(account_dates.licensed_seats, provisioned_users.provisioned_users) as seat_base,
        case
            when windowed_usage.latest_event_at is null then provisioned_users.latest_user_created_at
            when provisioned_users.latest_user_created_at is null then windowed_usage.latest_event_at
            when windowed_usage.latest_event_at > provisioned_users.latest_user_created_at
                then windowed_usage.latest_event_at
            else provisioned_users.latest_user_created_at
        end as latest_input_at
    from account_dates
    cross join product_source
    cross join core_features
    cross join core_feature_evidence
    left join first_product_evidence
        on account_dates.account_id = first_product_evidence.account_id
    left join active_users
        on account_dates.account_id = active_users.account_id
        and account_dates.as_of_date = active_users.as_of_date
    left join windowed_usage
        on account_dates.account_id = windowed_usage.account_id
        and account_dates.as_of_date = windowed_usage.as_of_date
    left join adopted_features
        on account_dates.account_id = adopted_features.account_id
        and account_dates.as_of_date = adopted_features.as_of_date
    left join provisioned_users
        on account_dates.account_id = provisioned_users.account_id
        and account_dates.as_of_date = provisioned_users.as_of_date

),

final as (

    {{ unpivot_signals('measured', [
        {
            'signal': 'active_user_ratio',
            'raw_value': as_double('measured.active_users_30d') ~ ' / measured.seat_base',
            'missing_reason': "coalesce(measured.event_missing_reason, case when coalesce(measured.seat_base, 0) = 0 then 'no seat count and no provisioned users' end)",
        },
        {
            'signal': 'login_frequency',
            'raw_value': 'case when measured.active_users_30d = 0 then 0.0 else ' ~ as_double('measured.active_user_days_30d') ~ ' / measured.active_users_30d end',
            'missing_reason': 'measured.event_missing_reason',
        },
        {
            'signal': 'feature_adoption_breadth',
            'raw_value': as_double('measured.core_features_used_90d') ~ ' / measured.core_feature_count',
            'missing_reason': 'coalesce(measured.event_missing_reason, measured.feature_missing_reason)',
        },
        {
            'signal': 'usage_trend',
            'raw_value': relative_change('measured.events_last_30d', 'measured.events_prior_30d'),
            'missing_reason': "coalesce(measured.event_missing_reason, case when measured.product_days_known < 60 then 'less than 60 days of product data: no earlier window to compare with' when measured.events_prior_30d = 0 then 'no events in the earlier 30 days' end)",
        },
        {
            'signal': 'volume_trend',
            'raw_value': relative_change('measured.quantity_last_30d', 'measured.quantity_prior_30d'),
            'missing_reason': "coalesce(measured.event_missing_reason, " ~ quantity_not_provided ~ "case when measured.product_days_known < 60 then 'less than 60 days of product data: no earlier window to compare with' when measured.quantity_prior_30d = 0 then 'no event volume in the earlier 30 days' end)",
        },
        {
            'signal': 'events_28d',
            'raw_value': as_double('measured.events_last_28d') ~ ' * 28 / least(28, measured.product_days_known)',
            'missing_reason': 'measured.event_missing_reason',
        },
        {
            'signal': 'events_7d',
            'raw_value': as_double('measured.events_last_7d') ~ ' * 7 / least(7, measured.product_days_known)',
            'missing_reason': 'measured.event_missing_reason',
        },
        {
            'signal': 'usage_change_vs_baseline',
            'raw_value': log_ratio_to_baseline('measured.events_last_28d', 'measured.events_baseline_84d', 'measured.product_days_known'),
            'missing_reason': "coalesce(measured.event_missing_reason, case when measured.product_days_known < 56 then 'less than 56 days of product data: no baseline to compare with' end)",
        },
        {
            'signal': 'volume_change_vs_baseline',
            'raw_value': log_ratio_to_baseline('measured.quantity_last_28d', 'measured.quantity_baseline_84d', 'measured.product_days_known'),
            'missing_reason': "coalesce(measured.event_missing_reason, " ~ quantity_not_provided ~ "case when measured.product_days_known < 56 then 'less than 56 days of product data: no baseline to compare with' end)",
        },
        {
            'signal': 'active_days_28d',
            'raw_value': as_double('measured.active_days_28d') ~ ' * 28 / least(28, measured.product_days_known)',
            'missing_reason': 'measured.event_missing_reason',
        },
        {
            'signal': 'days_since_last_activity',
            'raw_value': 'least(90, ' ~ days_between('coalesce(measured.latest_activity_date, measured.first_product_date)', 'measured.as_of_date') ~ ')',
            'missing_reason': 'measured.product_missing_reason',
        },
        {
            'signal': 'active_users_30d',
            'raw_value': as_double('measured.active_users_30d'),
            'missing_reason': 'measured.event_missing_reason',
        },
    ], latest_input_at='measured.latest_input_at') }}

)

select * from final
