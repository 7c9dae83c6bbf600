{#-
    Did acting on an alert go with better renewals? Renewal rates of the accounts whose alert
    was followed up and of those whose alert was not, per alert type and new band, with
    roll-up rows ('all'), counts and Wilson 95% intervals (macros/validation/wilson_bound.sql).

    Only alerts whose follow-up window has ended by the as-of date are compared (status
    followed_up or not_followed_up), so both groups had the same time to be acted on; the
    renewal counted is the alert's next renewal, once decided (alert_follow_ups). On the rows
    of both statuses ('all'), the difference of the two renewal rates (followed up minus not)
    with Newcombe's interval (the hybrid score interval built from the two Wilson intervals).

    An observed association, not a controlled experiment: owners choose whom to call, and the
    accounts they reach differ from those they do not.
-#}

{%- set groupings = [
    ['alert_type', 'new_band', 'follow_up_status'],
    ['alert_type', 'new_band'],
    ['follow_up_status'],
    [],
] -%}
{%- set dimensions = ['alert_type', 'new_band', 'follow_up_status'] -%}

with

closed_alerts as (

    select
        alert_type,
        new_band,
        follow_up_status,
        case when followed_up then 1 else 0 end as is_followed_up,
        case when next_renewal_outcome in ('renewed', 'churned') then 1 else 0 end as is_decided,
        case when next_renewal_outcome = 'renewed' then 1 else 0 end as is_renewed
    from {{ ref('alert_follow_ups') }}
    where follow_up_status in ('followed_up', 'not_followed_up')

),

counted as (

    {%- for grouping in groupings %}

    select
        {%- for dimension in dimensions %}
        {{ dimension if dimension in grouping else "'all'" }} as {{ dimension }},
        {%- endfor %}
        count(*) as alerts,
        sum(is_followed_up) as followed_up_alerts,
        sum(is_decided) as decided_renewals,
        sum(is_renewed) as renewed
    from closed_alerts
    {%- if grouping %}
    group by {{ grouping | join(', ') }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

rates as (

    select
        counted.*,
        case
            when counted.decided_renewals > 0
                then {{ as_double('counted.renewed') }} / {{ as_double('counted.decided_renewals') }}
        end as renewal_rate,
        {{ wilson_bound('counted.renewed', 'counted.decided_renewals', -1) }} as renewal_rate_ci_lower,
        {{ wilson_bound('counted.renewed', 'counted.decided_renewals', 1) }} as renewal_rate_ci_upper
    from counted

),

-- Newcombe (1998), method 10: d = p1 - p2, lower d - sqrt((p1 - l1)² + (u2 - p2)²), upper
-- d + sqrt((u1 - p1)² + (p2 - l2)²), with 1 the followed-up alerts and 2 the others.
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
