{#-
    Band-transition alerts for the customer-facing team: who (account, owner, and action_owner:
    the owner, else the var healthscore_default_owner), what (old and new band, score change,
    the signals that drove the change, as keys and in words) and what to do (the new band's
    action in the health_bands seed). An alert stays open until the account's band is back to
    the old band or better on a later scoring date. Bands are the effective ones: a manual
    override in force replaces the computed band (docs/overrides.md).
    The logged alerts (int_health_alert_events, raised on scoring dates) and, when the run's
    as-of date is not a scoring date, the alerts its transitions raise: provisional, not logged,
    with the alert_id of the next scoring date, which confirms them (the same alert_id, logged)
    or not (they leave the mart). Every row is a function of the data and the as-of date: the
    same run twice, or a daily chain and one full build as of the same date, give the same rows.
-#}

with

logged as (

    select
        alert_id,
        account_id,
        detected_on,
        old_band,
        new_band,
        alert_type,
        band_action,
        health_score,
        score_change,
        change_drivers,
        change_drivers_text,
        top_negative_drivers_text,
        false as is_provisional
    from {{ ref('int_health_alert_events') }}

),

provisional as (

    select
        alert_id,
        account_id,
        detected_on,
        old_band,
        new_band,
        alert_type,
        band_action,
        health_score,
        score_change,
        change_drivers,
        change_drivers_text,
        top_negative_drivers_text,
        true as is_provisional
    from {{ ref('int_health_alert_transitions') }}
    where is_provisional
        and raises_alert
        and alert_id not in (select logged.alert_id from logged)

),

alerts as (

    select * from logged
    union all
    select * from provisional

),

accounts as (

    select
        account_id,
        account_name,
        csm_owner
    from {{ ref('stg_crm__accounts') }}

),

bands as (

    select
        health_band,
        band_rank
    from {{ ref('health_bands') }}

),

overrides as (

    select * from {{ ref('int_account_overrides_by_date') }}

),

later_scores as (

    {#- The effective band: a manual override in force on the date replaces the computed one. #}
    select
        scored.account_id,
        scored.as_of_date,
        coalesce(overrides.band_rank, scored.band_rank) as band_rank
    from {{ ref('int_account_health_scored') }} as scored
    left join overrides
        on scored.account_id = overrides.account_id
        and scored.as_of_date = overrides.as_of_date
    where (scored.is_cadence_date or scored.as_of_date = {{ as_of_date() }})
        and coalesce(overrides.overridden_health_band, scored.health_band) is not null

),

resolutions as (

    select
        alerts.alert_id,
        min(later_scores.as_of_date) as resolved_on
    from alerts
    inner join bands as old_bands
        on alerts.old_band = old_bands.health_band
    inner join later_scores
        on alerts.account_id = later_scores.account_id
        and later_scores.as_of_date > alerts.detected_on
        and later_scores.band_rank >= old_bands.band_rank
    group by alerts.alert_id

),

final as (

    select
        cast(alerts.alert_id as {{ dbt.type_string() }}) as alert_id,
        cast(alerts.account_id as {{ dbt.type_string() }}) as account_id,
        cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
        cast(accounts.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast({{ action_owner('accounts.csm_owner') }} as {{ dbt.type_string() }}) as action_owner,
        cast(accounts.csm_owner is not null as {{ dbt.type_boolean() }}) as is_owner_assigned,
        cast(alerts.detected_on as date) as detected_on,
        cast(alerts.alert_type as {{ dbt.type_string() }}) as alert_type,
        cast(alerts.old_band as {{ dbt.type_string() }}) as old_band,
        cast(alerts.new_band as {{ dbt.type_string() }}) as new_band,
        cast(alerts.health_score as {{ type_double() }}) as health_score,
        cast(alerts.score_change as {{ type_double() }}) as score_change,
        cast(alerts.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast(alerts.change_drivers_text as {{ dbt.type_string() }}) as change_drivers_text,
        cast(alerts.top_negative_drivers_text as {{ dbt.type_string() }}) as top_negative_drivers_text,
        cast(alerts.band_action as {{ dbt.type_string() }}) as action,
        cast(alerts.is_provisional as {{ dbt.type_boolean() }}) as is_provisional,
        cast(resolutions.resolved_on is null as {{ dbt.type_boolean() }}) as is_open,
        cast(resolutions.resolved_on as date) as resolved_on
    from alerts
    inner join accounts
        on alerts.account_id = accounts.account_id
    left join resolutions
        on alerts.alert_id = resolutions.alert_id

)

select * from final
