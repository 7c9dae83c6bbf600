{#-
    The manual override in force for an account on each scoring date (int_scoring_dates), one
    row per account and date that has one; accounts and dates without one have no row.

    An override is in force on date d when starts_on <= d < expires_on: it ends by itself on its
    expiry date. Point in time: it applies only to dates on or after the day it was recorded
    (created_at), so a score recomputed for a past date shows the override a run on that date
    would have shown, and an override recorded today never rewrites earlier weeks. When several
    overrides of one account are in force on a date, the latest recorded (created_at, then
    override_id) wins.

    overridden_health_band is the band the override sets: override_band when given, else the
    band of override_score in the health_bands seed; band_action and band_rank are that band's.
    The marts (account_health, account_health_history) and the alerts apply it; the scoring and
    the backtests never read it.
-#}

with

overrides as (

    select * from {{ ref('stg_crm__account_overrides') }}

),

scoring_dates as (

    select as_of_date from {{ ref('int_scoring_dates') }}

),

bands as (

    select
        health_band,
        band_action,
        band_rank,
        min_score,
        max_score
    from {{ ref('health_bands') }}

),

in_force as (

    select
        overrides.account_id,
        scoring_dates.as_of_date,
        overrides.override_id,
        overrides.override_band,
        overrides.override_score,
        overrides.reason,
        overrides.author,
        overrides.starts_on,
        overrides.expires_on,
        overrides.created_at,
        row_number() over (
            partition by overrides.account_id, scoring_dates.as_of_date
            order by overrides.created_at desc, overrides.override_id desc
        ) as override_rank
    from overrides
    inner join scoring_dates
        on overrides.starts_on <= scoring_dates.as_of_date
        and scoring_dates.as_of_date < overrides.expires_on
        and cast(overrides.created_at as date) <= scoring_dates.as_of_date

),

score_bands as (

    select
        in_force.account_id,
        in_force.as_of_date,
        bands.health_band as score_band
    from in_force
    inner join bands
        on {{ score_in_band('in_force.override_score', 'bands') }}
    where in_force.override_rank = 1

),

final as (

    select
        in_force.account_id,
        in_force.as_of_date,
        in_force.override_id,
        in_force.override_band,
        in_force.override_score,
        in_force.reason,
        in_force.author,
        in_force.starts_on,
        in_force.expires_on,
        in_force.created_at,
        bands.health_band as overridden_health_band,
        bands.band_action,
        bands.band_rank
    from in_force
    left join score_bands
        on in_force.account_id = score_bands.account_id
        and in_force.as_of_date = score_bands.as_of_date
    inner join bands
        on coalesce(in_force.override_band, score_bands.score_band) = bands.health_band
    where in_force.override_rank = 1

)

select * from final
