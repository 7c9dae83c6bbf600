{{ config(**incremental_by_date()) }}

{#-
    Product signals from the company's own event names (int_product_event_names_selected), per
    account, scoring date and event name, point in time. For event name E the signals are
    named '<metric>:E' (the metrics of event_signal_metrics()):
      event_count_28d                  events E in the last 28 d
      event_count_per_active_user_28d  the same per user active in the last 30 d
      event_active_days_28d            days with an event E in the last 28 d
      event_trend_28d                  events E in the last 28 d against the 28 d before,
                                       relative change in [-1, 1]
      event_days_since_last            days since the last event E (at most 90)
    Windowed counts of an account with fewer days of product data than the window are scaled
    to the window (28 / min(28, days known)), as in int_product_signals. Missing like the
    account's product signals (no product data source, or none for the account yet); the
    per-user count also when nobody was active, and the trend while the account has less than
    56 days of product data or no event E in the earlier 28 days.
-#}

with

account_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

event_names as (

    select event_name from {{ ref('int_product_event_names_selected') }}

),

feature_days as (

    select
        feature_days.account_id,
        feature_days.event_name,
        feature_days.activity_date,
        feature_days.event_count,
        feature_days.last_event_at
    from {{ ref('int_product_events_rolled_up_to_feature_days') }} as feature_days
    inner join event_names
        on feature_days.event_name = event_names.event_name
    where feature_days.activity_date >= {{ add_days(build_window_start(), -90) }}

),

-- Whether and since when the account has product data, and its active users (30 d).
product_state as (

    select
        account_id,
        as_of_date,
        max(case when signal = 'active_users_30d' then raw_value end) as active_users_30d,
        max(case when signal = 'active_users_30d' then missing_reason end) as product_missing_reason,
        max(case when signal = 'active_users_30d' then latest_input_at end) as latest_input_at
    from {{ ref('int_product_signals') }}
    where as_of_date in ({{ dates_to_build() }})
        and signal = 'active_users_30d'
    group by account_id, as_of_date

),

first_product_evidence as (

    select * from {{ ref('int_product_accounts_first_seen') }}

),

windowed as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        feature_days.event_name,
        sum(case when feature_days.activity_date > {{ add_days('account_dates.as_of_date', -28) }}
                then feature_days.event_count
            else 0
        end) as events_last_28d,
        sum(case when feature_days.activity_date <= {{ add_days('account_dates.as_of_date', -28) }}
                and feature_days.activity_date > {{ add_days('account_dates.as_of_date', -56) }}
                then feature_days.event_count
            else 0
        end) as events_prior_28d,
        sum(case when feature_days.activity_date > {{ add_days('account_dates.as_of_date', -28) }}
                then 1
            else 0
        end) as active_days_28d,
        max(feature_days.activity_date) as latest_activity_date,
        max(feature_days.last_event_at) as latest_event_at
    from account_dates
    inner join feature_days
        on account_dates.account_id = feature_days.account_id
        and feature_days.activity_date > {{ add_days('account_dates.as_of_date', -90) }}
        and feature_days.activity_date <= account_dates.as_of_date
    group by account_dates.account_id, account_dates.as_of_date, feature_days.event_name

),

measured as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.is_cadence_date,
        event_names.event_name,
        product_state.product_missing_reason,
        product_state.active_users_30d,
        {{ days_between(
            'first_product_evidence.first_product_date', 'account_dates.as_of_date'
        ) }} + 1 as product_days_known,
        coalesce(windowed.events_last_28d, 0) as events_last_28d,
        coalesce(windowed.events_prior_28d, 0) as events_prior_28d,
        coalesce(windowed.active_days_28d, 0) as active_days_28d,
        coalesce(windowed.latest_activity_date, first_product_evidence.first_product_date) as latest_activity_date,
        coalesce(windowed.latest_event_at, product_state.latest_input_at) as latest_input_at
    from account_dates
    cross join event_names
    inner join product_state
        on account_dates.account_id = product_state.account_id
        and account_dates.as_of_date = product_state.as_of_date
    left join first_product_evidence
        on account_dates.account_id = first_product_evidence.account_id
    left join windowed
        on account_dates.account_id = windowed.account_id
        and account_dates.as_of_date = windowed.as_of_date
        and event_names.event_name = windowed.event_name

),

{%- set expressions = {
    'event_count_28d': {
        'raw_value': as_double('measured.events_last_28d') ~ ' * 28 / least(28, measured.product_days_known)',
        'missing_reason': 'measured.product_missing_reason',
    },
    'event_count_per_active_user_28d': {
        'raw_value': 'case when measured.active_users_30d > 0 then ' ~ as_double('measured.events_last_28d') ~ ' / measured.active_users_30d end',
        'missing_reason': "coalesce(measured.product_missing_reason, case when coalesce(measured.active_users_30d, 0) = 0 then 'no active user in the last 30 days' end)",
    },
    'event_active_days_28d': {
        'raw_value': as_double('measured.active_days_28d') ~ ' * 28 / least(28, measured.product_days_known)',
        'missing_reason': 'measured.product_missing_reason',
    },
    'event_trend_28d': {
        'raw_value': relative_change('measured.events_last_28d', 'measured.events_prior_28d'),
        'missing_reason': "coalesce(measured.product_missing_reason, case when measured.product_days_known < 56 then 'less than 56 days of product data: no earlier window to compare with' when measured.events_prior_28d = 0 then 'no such event in the earlier 28 days' end)",
    },
    'event_days_since_last': {
        'raw_value': 'least(90, ' ~ days_between('measured.latest_activity_date', 'measured.as_of_date') ~ ')',
        'missing_reason': 'measured.product_missing_reason',
    },
} -%}
{%- set signals = [] -%}
{%- for item in event_signal_metrics() -%}
    {%- do signals.append({
        'signal_expression': dbt.concat(["'" ~ item.metric ~ ":'", 'measured.event_name']),
        'raw_value': expressions[item.metric].raw_value,
        'missing_reason': expressions[item.metric].missing_reason,
    }) -%}
{%- endfor %}

final as (

    {{ unpivot_signals('measured', signals, latest_input_at='measured.latest_input_at') }}

)

select * from final
