{#-
    Did acting on an alert go with better renewals? Renewal rates of the accounts whose alert
    was followed up and of those whose alert was not, per alert type and new band, with
    roll-up rows ('all'), counts and Wilson 95% intervals (macros/validation/wilson_bound.sql).

    Only alerts whose follow-up window has ended by the as-of date are compared
    (follow_up_window_end <= as_of_date, whether followed up or not), so both groups had the
    same time to be acted on. The unit is the renewal, not the alert: an account alerted
    several times before one renewal renews or churns once, and the Wilson and Newcombe
    intervals assume independent trials. So within each row (alert type x new band, and the
    'all' roll-up over both), each (account, next renewal) of those alerts counts once, followed
    up when any of its alerts in that group was followed up, not followed up otherwise: in
    exactly one of the two statuses. alerts and followed_up_alerts count the alerts of the
    row's renewals; decided_renewals, renewed and the rates count renewals, once decided
    (alert_follow_ups). On the rows of both statuses ('all'), the difference of the two renewal
    rates (followed up minus not) with Newcombe's interval (the hybrid score interval built
    from the two Wilson intervals).

    An observed association, not a controlled experiment: owners choose whom to call, and the
    accounts they reach differ from those they do not.
-#}

{%- set groupings = [
    ['alert_type', 'new_band', 'follow_up_status'],
    ['alert_type', 'new_band'],
] -%}
{%- set dimensions = ['alert_type', 'new_band', 'follow_up_status'] -%}

with

closed_alerts as (

    select
        alert_type,
        new_band,
        account_id,
        next_renewal_date,
        next_renewal_outcome,
        case when followed_up then 1 else 0 end as is_followed_up
    from {{ ref('alert_follow_ups') }}
    where follow_up_window_end <= {{ as_of_date() }}
        and follow_up_status in ('followed_up', 'not_followed_up')

),

-- One row per (account, next renewal) per alert type and new band, and once more over all
-- alerts ('all', 'all'): followed up when any of its alerts there was. Alerts without a next
-- renewal (null date, pending) group per account; they are never decided.
renewals_by_group as (

    select
        alert_type,
        new_band,
        account_id,
        next_renewal_date,
        next_renewal_outcome,
        count(*) as alerts,
        sum(is_followed_up) as followed_up_alerts
    from closed_alerts
    group by alert_type, new_band, account_id, next_renewal_date, next_renewal_outcome

    union all

    select
        'all' as alert_type,
        'all' as new_band,
        account_id,
        next_renewal_date,
        next_renewal_outcome,
        count(*) as alerts,
        sum(is_followed_up) as followed_up_alerts
    from closed_alerts
    group by account_id, next_renewal_date, next_renewal_outcome

),

renewals as (

    select
        alert_type,
        new_band,
        alerts,
        followed_up_alerts,
        case when followed_up_alerts > 0 then 'followed_up' else 'not_followed_up' end as follow_up_status,
        case when next_renewal_outcome in ('renewed', 'churned') then 1 else 0 end as is_decided,
        case when next_renewal_outcome = 'renewed' then 1 else 0 end as is_renewed
    from renewals_by_group

),

counted as (

    {%- for grouping in groupings %}

    select
        {%- for dimension in dimensions %}
        {{ dimension if dimension in grouping else "'all'" }} as {{ dimension }},
        {%- endfor %}
        sum(alerts) as alerts,
        sum(followed_up_alerts) as followed_up_alerts,
        sum(is_decided) as decided_renewals,
        sum(is_renewed) as renewed
    from renewals
    group by {{ grouping | join(', ') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

rates as (

    select
        counted.alert_type,
        counted.new_band,
        counted.follow_up_status,
        counted.alerts,
        counted.followed_up_alerts,
        counted.decided_renewals,
        counted.renewed,
        case
            when counted.decided_renewals > 0
                then {{ as_double('counted.renewed') }} / {{ as_double('counted.decided_renewals') }}
        end as renewal_rate,
        {{ wilson_bound('counted.renewed', 'counted.decided_renewals', -1) }} as renewal_rate_ci_lower,
        {{ wilson_bound('counted.renewed', 'counted.decided_renewals', 1) }} as renewal_rate_ci_upper
    from counted

),

-- Newcombe (1998), method 10: d = p1 - p2, lower d - sqrt((p1 - l1)² + (u2 - p2)²), upper
-- d + sqrt((u1 - p1)² + (p2 - l2)²), with 1 the followed-up renewals and 2 the others.
differences as (

    select
        acted.alert_type,
        acted.new_band,
        acted.renewal_rate - not_acted.renewal_rate as renewal_rate_difference,
        acted.renewal_rate - not_acted.renewal_rate - sqrt(
            (acted.renewal_rate - acted.renewal_rate_ci_lower) * (acted.renewal_rate - acted.renewal_rate_ci_lower)
            + (not_acted.renewal_rate_ci_upper - not_acted.renewal_rate)
            * (not_acted.renewal_rate_ci_upper - not_acted.renewal_rate)
        ) as renewal_rate_difference_ci_lower,
        acted.renewal_rate - not_acted.renewal_rate + sqrt(
            (acted.renewal_rate_ci_upper - acted.renewal_rate) * (acted.renewal_rate_ci_upper - acted.renewal_rate)
            + (not_acted.renewal_rate - not_acted.renewal_rate_ci_lower)
            * (not_acted.renewal_rate - not_acted.renewal_rate_ci_lower)
        ) as renewal_rate_difference_ci_upper
    from rates as acted
    inner join rates as not_acted
        on acted.alert_type = not_acted.alert_type
        and acted.new_band = not_acted.new_band
    where acted.follow_up_status = 'followed_up'
        and not_acted.follow_up_status = 'not_followed_up'

),

final as (

    select
        cast(rates.alert_type as {{ dbt.type_string() }}) as alert_type,
        cast(rates.new_band as {{ dbt.type_string() }}) as new_band,
        cast(rates.follow_up_status as {{ dbt.type_string() }}) as follow_up_status,
        cast(rates.alerts as {{ dbt.type_int() }}) as alerts,
        cast(rates.followed_up_alerts as {{ dbt.type_int() }}) as followed_up_alerts,
        cast(rates.decided_renewals as {{ dbt.type_int() }}) as decided_renewals,
        cast(rates.renewed as {{ dbt.type_int() }}) as renewed,
        cast(rates.decided_renewals - rates.renewed as {{ dbt.type_int() }}) as churned,
        {{ round_to('rates.renewal_rate') }} as renewal_rate,
        {{ round_to('rates.renewal_rate_ci_lower') }} as renewal_rate_ci_lower,
        {{ round_to('rates.renewal_rate_ci_upper') }} as renewal_rate_ci_upper,
        {{ round_to('differences.renewal_rate_difference') }} as renewal_rate_difference,
        {{ round_to('differences.renewal_rate_difference_ci_lower') }} as renewal_rate_difference_ci_lower,
        {{ round_to('differences.renewal_rate_difference_ci_upper') }} as renewal_rate_difference_ci_upper,
        {{ as_of_date() }} as as_of_date
    from rates
    left join differences
        on rates.alert_type = differences.alert_type
        and rates.new_band = differences.new_band
        and rates.follow_up_status = 'all'

)

select * from final
