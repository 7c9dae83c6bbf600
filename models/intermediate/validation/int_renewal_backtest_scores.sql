{#-
    Point-in-time backtest rows: for every decided renewal (renewed or churned) and every lead
    time of its term class (healthscore_lead_times_days; is_longest_lead marks the class's
    longest, at which checks and calibration judge the score), the score the account had on the last scoring date on
    or before renewal_date - lead (within one cadence step), as account_health_history holds it.
    Renewals whose account had no scored row then (not yet a customer, or too little coverage)
    are kept with is_scored = false and the reason: counted and excluded, never imputed.

    It reads int_account_health_scored, the model account_health_history is cut from, because
    account_health_history itself depends on the renewal probability fitted from these rows; a
    data test checks that every backtest score equals the history's.
-#}

{%- set step_days = 7 if var('healthscore_score_cadence') == 'weekly' else 1 -%}
{%- set unmatched_reason = 'no scoring date for the account within one cadence step before renewal_date - lead'
    ~ ' (not yet a customer, or before the history starts)' -%}

with

renewals as (

    select
        renewal_id,
        account_id,
        segment,
        renewal_date,
        term_class,
        is_churned
    from {{ ref('renewal_outcomes') }}
    where outcome in ('renewed', 'churned')
        and is_settled

),

lead_times as (

    {%- set rows = [] %}
    {%- for term_class, leads in lead_times_by_term_class().items() %}
    {%- for lead in leads %}
    {%- do rows.append((term_class, lead, loop.last)) %}
    {%- endfor %}
    {%- endfor %}
    {%- for term_class, lead, is_longest in rows %}
    select
        cast('{{ term_class }}' as {{ dbt.type_string() }}) as term_class,
        {{ lead }} as lead_days,
        {{ 'true' if is_longest else 'false' }} as is_longest_lead
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
        renewals.term_class,
        lead_times.lead_days,
        lead_times.is_longest_lead,
        {{ add_days('renewals.renewal_date', '-1 * lead_times.lead_days') }} as target_date
    from renewals
    inner join lead_times
        on renewals.term_class = lead_times.term_class

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
        targets.term_class,
        targets.lead_days,
        targets.is_longest_lead,
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
            when matched.renewal_id is null then '{{ unmatched_reason }}'
            when matched.health_score is null then {{ dbt.concat(["'score null: '", "matched.score_status"]) }}
        end as exclusion_reason
    from targets
    left join matched
        on targets.renewal_id = matched.renewal_id
        and targets.lead_days = matched.lead_days

)

select * from final
