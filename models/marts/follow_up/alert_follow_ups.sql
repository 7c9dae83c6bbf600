{#-
    The closed loop, one row per logged alert of health_alerts (provisional alerts are left
    out: the next scoring date confirms them or not): did its owner act, and how did the
    account's next renewal end?

    Followed up: an outbound meeting, QBR, call or email of the account that took place
    (occurred_at) on a day from detected_on to follow_up_window_end (detected_on +
    healthscore_follow_up_days), both included, and before the day of the next renewal when
    there is one (cast(occurred_at as date) < next_renewal_date: a call on or after the renewal,
    such as an exit call after a churn, did not act on its outcome), and was known (known_at,
    the day it reached the CRM) by the run's as-of date. A no_show or cancelled activity is not a follow-up (nobody was
    reached); an email without a reply is (the owner reached out). Inbound activities are the
    customer's, not the owner's action. A window that has not ended by the as-of date leaves
    an alert without a follow-up 'window_open', not 'not_followed_up'.

    The next renewal: the first end of a term of the account on or after detected_on. Ended by
    the as-of date, it is a renewal event of renewal_outcomes with its outcome once settled
    (the grace window over); an unsettled one is 'pending' even when a successor term is known
    already, as in the validation: a renewal in its grace window can show renewed but not yet
    churned, and counting it would tilt recent alerts toward renewed. A term that ends after
    the as-of date is 'pending' too. Everything is as known on the as-of date.
-#}

{%- set follow_up_days = var('healthscore_follow_up_days') | int -%}

with

alerts as (

    select
        alert_id,
        account_id,
        account_name,
        csm_owner,
        alert_type,
        old_band,
        new_band,
        detected_on,
        {{ add_days('detected_on', follow_up_days) }} as follow_up_window_end
    from {{ ref('health_alerts') }}
    where not is_provisional

),

outreach as (

    select
        activity_id,
        account_id,
        activity_type,
        occurred_at
    from {{ ref('stg_crm__activities') }}
    where direction = 'outbound'
        and activity_type in ('meeting', 'qbr', 'call', 'email')
        and (outcome is null or outcome not in ('no_show', 'cancelled'))
        and cast(known_at as date) <= {{ as_of_date() }}

),

-- Every term end of every account: the renewal events decided or pending by the as-of date,
-- and the ends still to come (pending).
renewal_dates as (

    select
        account_id,
        renewal_date,
        case when is_settled then outcome else 'pending' end as renewal_outcome
    from {{ ref('renewal_outcomes') }}

    union all

    select distinct
        account_id,
        end_date as renewal_date,
        'pending' as renewal_outcome
    from {{ ref('stg_billing__subscriptions') }}
    where end_date > {{ as_of_date() }}

),

next_renewals as (

    select
        alerts.alert_id,
        renewal_dates.renewal_date,
        renewal_dates.renewal_outcome,
        row_number() over (
            partition by alerts.alert_id
            order by renewal_dates.renewal_date asc
        ) as renewal_rank
    from alerts
    inner join renewal_dates
        on alerts.account_id = renewal_dates.account_id
        and renewal_dates.renewal_date >= alerts.detected_on

),

follow_ups as (

    select
        alerts.alert_id,
        outreach.activity_type,
        outreach.occurred_at,
        row_number() over (
            partition by alerts.alert_id
            order by outreach.occurred_at asc, outreach.activity_id asc
        ) as follow_up_rank,
        count(*) over (partition by alerts.alert_id) as follow_up_activities
    from alerts
    inner join outreach
        on alerts.account_id = outreach.account_id
        and cast(outreach.occurred_at as date) >= alerts.detected_on
        and cast(outreach.occurred_at as date) <= alerts.follow_up_window_end
    left join next_renewals
        on alerts.alert_id = next_renewals.alert_id
        and next_renewals.renewal_rank = 1
    where next_renewals.renewal_date is null
        or cast(outreach.occurred_at as date) < next_renewals.renewal_date

),

first_follow_ups as (

    select
        alert_id,
        activity_type,
        occurred_at,
        follow_up_activities
    from follow_ups
    where follow_up_rank = 1

),

final as (

    select
        cast(alerts.alert_id as {{ dbt.type_string() }}) as alert_id,
        cast(alerts.account_id as {{ dbt.type_string() }}) as account_id,
        cast(alerts.account_name as {{ dbt.type_string() }}) as account_name,
        cast(alerts.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast(alerts.alert_type as {{ dbt.type_string() }}) as alert_type,
        cast(alerts.old_band as {{ dbt.type_string() }}) as old_band,
        cast(alerts.new_band as {{ dbt.type_string() }}) as new_band,
        cast(alerts.detected_on as date) as detected_on,
        cast(alerts.follow_up_window_end as date) as follow_up_window_end,
        cast(first_follow_ups.alert_id is not null as {{ dbt.type_boolean() }}) as followed_up,
        cast(first_follow_ups.occurred_at as {{ dbt.type_timestamp() }}) as first_follow_up_at,
        cast(first_follow_ups.activity_type as {{ dbt.type_string() }}) as follow_up_activity_type,
        cast(coalesce(first_follow_ups.follow_up_activities, 0) as {{ dbt.type_int() }}) as follow_up_activities,
        cast(case
            when first_follow_ups.alert_id is not null then 'followed_up'
            when alerts.follow_up_window_end > {{ as_of_date() }} then 'window_open'
            else 'not_followed_up'
        end as {{ dbt.type_string() }}) as follow_up_status,
        cast(next_renewals.renewal_date as date) as next_renewal_date,
        cast(coalesce(next_renewals.renewal_outcome, 'pending') as {{ dbt.type_string() }}) as next_renewal_outcome,
        {{ as_of_date() }} as as_of_date
    from alerts
    left join first_follow_ups
        on alerts.alert_id = first_follow_ups.alert_id
    left join next_renewals
        on alerts.alert_id = next_renewals.alert_id
        and next_renewals.renewal_rank = 1

)

select * from final
