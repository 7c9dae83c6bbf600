{{ config(**incremental_by_date()) }}

{#-
    Product signals per account and scoring date, point in time: every measure uses only
    events and users timestamped on or before the as-of date.
      active_user_ratio        distinct active users (30 d) / licensed seats (else provisioned users)
      login_frequency          active days per active user (30 d)
      feature_adoption_breadth core features used (90 d) / core features
      usage_trend              events, last 30 d against the 30 d before, relative change in [-1, 1]
      volume_trend             summed quantity, same comparison
    An account has product data from its first product user or event on; before that, or when
    the product tables are empty, its product signals are missing (never zero).
    The daily user roll-up is read at each use, with that use's date filter, rather than as one
    CTE: an engine materialises a CTE read several times, which would copy every user-day.
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

product_source as (

    select
        (select count(*) from users)
        + (select count(*) from {{ ref('int_product_events_rolled_up_to_user_days') }}) as product_rows

),

first_product_evidence as (

    select
        account_id,
        min(first_date) as first_product_date
    from (
        select account_id, min(activity_date) as first_date
        from {{ ref('int_product_events_rolled_up_to_user_days') }}
        group by account_id
        union all
        select account_id, min(cast(created_at as date)) as first_date from users group by account_id
    ) as evidence
    group by account_id

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
            when {{ days_between('lag(activity_date) over (partition by account_id, user_id order by activity_date)', 'activity_date') }} > 30 then 1
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
            when {{ days_between('lag(activity_date) over (partition by account_id, event_name order by activity_date)', 'activity_date') }} > 90 then 1
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
    where activity_date >= {{ add_days(build_window_start(), -60) }}
    group by account_id, activity_date

),

windowed_usage as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
            then account_days.event_count else 0 end) as events_last_30d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -30) }}
            then account_days.event_count else 0 end) as events_prior_30d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
            then account_days.quantity_total else 0 end) as quantity_last_30d,
        sum(case when account_days.activity_date <= {{ add_days('account_dates.as_of_date', -30) }}
            then account_days.quantity_total else 0 end) as quantity_prior_30d,
        sum(case when account_days.activity_date > {{ add_days('account_dates.as_of_date', -30) }}
            then account_days.active_users else 0 end) as active_user_days_30d,
        max(account_days.last_event_at) as latest_event_at
    from account_dates
    inner join account_days
        on account_dates.account_id = account_days.account_id
        and account_days.activity_date > {{ add_days('account_dates.as_of_date', -60) }}
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
        coalesce(active_users.active_users_30d, 0) as active_users_30d,
        coalesce(windowed_usage.active_user_days_30d, 0) as active_user_days_30d,
        coalesce(windowed_usage.events_last_30d, 0) as events_last_30d,
        coalesce(windowed_usage.events_prior_30d, 0) as events_prior_30d,
        coalesce(windowed_usage.quantity_last_30d, 0) as quantity_last_30d,
        coalesce(windowed_usage.quantity_prior_30d, 0) as quantity_prior_30d,
        coalesce(adopted_features.core_features_used_90d, 0) as core_features_used_90d,
        core_features.core_feature_count,
        coalesce(account_dates.licensed_seats, provisioned_users.provisioned_users) as seat_base,
        case
            when windowed_usage.latest_event_at is null then provisioned_users.latest_user_created_at
            when provisioned_users.latest_user_created_at is null then windowed_usage.latest_event_at
            when windowed_usage.latest_event_at > provisioned_users.latest_user_created_at then windowed_usage.latest_event_at
            else provisioned_users.latest_user_created_at
        end as latest_input_at
    from account_dates
    cross join product_source
    cross join core_features
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
            'missing_reason': "coalesce(measured.product_missing_reason, case when coalesce(measured.seat_base, 0) = 0 then 'no seat count and no provisioned users' end)",
        },
        {
            'signal': 'login_frequency',
            'raw_value': 'case when measured.active_users_30d = 0 then 0.0 else ' ~ as_double('measured.active_user_days_30d') ~ ' / measured.active_users_30d end',
            'missing_reason': 'measured.product_missing_reason',
        },
        {
            'signal': 'feature_adoption_breadth',
            'raw_value': as_double('measured.core_features_used_90d') ~ ' / measured.core_feature_count',
            'missing_reason': "coalesce(measured.product_missing_reason, case when measured.core_feature_count = 0 then 'no core features configured' end)",
        },
        {
            'signal': 'usage_trend',
            'raw_value': relative_change('measured.events_last_30d', 'measured.events_prior_30d'),
            'missing_reason': 'measured.product_missing_reason',
        },
        {
            'signal': 'volume_trend',
            'raw_value': relative_change('measured.quantity_last_30d', 'measured.quantity_prior_30d'),
            'missing_reason': 'measured.product_missing_reason',
        },
    ], latest_input_at='measured.latest_input_at') }}

)

select * from final
