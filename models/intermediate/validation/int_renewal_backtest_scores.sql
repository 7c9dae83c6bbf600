{#-
    Point-in-time backtest rows: for every decided renewal (renewed or churned) and every lead
    time in healthscore_lead_times_days, the score the account had on the last scoring date on
    or before renewal_date - lead (within one cadence step), as account_health_history holds it.
    Renewals whose account had no scored row then (not yet a customer, or too little coverage)
    are kept with is_scored = false and the reason: counted and excluded, never imputed.

    It reads int_account_health_scored, the model account_health_history is cut from, because
    account_health_history itself depends on the renewal probability fitted from these rows; a
    data test checks that every backtest score equals the history's.
-#}

{%- set step_days = 7 if var('healthscore_score_cadence') == 'weekly' else 1 -%}

with

renewals as (

    select
        renewal_id,
        account_id,
        segment,
        renewal_date,
        is_churned
    from {{ ref('renewal_outcomes') }}
    where outcome in ('renewed', 'churned')

),

lead_times as (

    {%- for lead in var('healthscore_lead_times_days') %}
    select {{ lead | int }} as lead_days
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

history as (

    select
        account_id,
        as_of_date,
        weight_profile,
        health_score,
        health_band,
        band_rank,
        score_status,
        coverage,
        product_score,
        support_score,
        commercial_score,
        relationship_score
    from {{ ref('int_account_health_scored') }}
    where is_cadence_date and is_customer

),

targets as (

    select
        renewals.renewal_id,
        renewals.account_id,
        renewals.segment,
        renewals.renewal_date,
        renewals.is_churned,
        lead_times.lead_days,
        {{ add_days('renewals.renewal_date', '-1 * lead_times.lead_days') }} as target_date
    from renewals
    cross join lead_times

),

matched as (

    select
        targets.renewal_id,
        targets.lead_days,
        history.as_of_date,
        history.weight_profile,
        history.health_score,
        history.health_band,
        history.band_rank,
        history.score_status,
        history.coverage,
        history.product_score,
        history.support_score,
        history.commercial_score,
        history.relationship_score
    from targets
    inner join history
        on targets.account_id = history.account_id
        and history.as_of_date <= targets.target_date
        and history.as_of_date > {{ add_days('targets.target_date', -step_days) }}

),

final as (

    select
        targets.renewal_id,
        targets.account_id,
        targets.segment,
        targets.renewal_date,
        targets.is_churned,
        targets.lead_days,
        targets.target_date,
        matched.as_of_date as scoring_date,
        matched.weight_profile,
        matched.health_score,
        matched.health_band,
        matched.band_rank,
        matched.coverage,
        matched.product_score,
        matched.support_score,
        matched.commercial_score,
        matched.relationship_score,
        matched.health_score is not null as is_scored,
        case
            when matched.renewal_id is null then 'no scoring date for the account within one cadence step before renewal_date - lead (not yet a customer, or before the history starts)'
            when matched.health_score is null then {{ dbt.concat(["'score null: '", "matched.score_status"]) }}
        end as exclusion_reason
    from targets
    left join matched
        on targets.renewal_id = matched.renewal_id
        and targets.lead_days = matched.lead_days

)

select * from final
