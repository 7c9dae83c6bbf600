{#-
    Accounts ready for an expansion conversation, as of the run's date: green, in the top
    quartile of current scores, and using at least healthscore_expansion_min_seat_utilisation of
    their licensed seats. Each lists the core features it has not used in the last 90 days
    (by event name, and by their labels in feature_catalogue): the conversation's subject.
    action_owner routes an account without a CSM to the var healthscore_default_owner.
    Score and band are the effective ones (account_health): an account a manual override moves
    out of green is not a candidate, whatever its computed band.
-#}

{%- set min_utilisation = var('healthscore_expansion_min_seat_utilisation') | float -%}

with

overrides as (

    select * from {{ ref('int_account_overrides_by_date') }}

),

current_scores as (

    {#- The effective score and band: an account overridden out of green is no candidate. #}
    select
        scored.account_id,
        scored.as_of_date,
        scored.segment,
        coalesce(overrides.override_score, scored.health_score) as health_score,
        coalesce(overrides.overridden_health_band, scored.health_band) as health_band,
        scored.licensed_seats,
        scored.arr,
        scored.term_end_date
    from {{ ref('int_account_health_scored') }} as scored
    left join overrides
        on scored.account_id = overrides.account_id
        and scored.as_of_date = overrides.as_of_date
    where scored.as_of_date = {{ as_of_date() }}
        and scored.is_customer
        and coalesce(overrides.override_score, scored.health_score) is not null

),

ranked as (

    select
        current_scores.*,
        percent_rank() over (order by current_scores.health_score) as score_percentile
    from current_scores

),

utilisation as (

    select
        account_id,
        as_of_date,
        raw_value as seat_utilisation
    from {{ ref('int_account_signals_scored') }}
    where signal = 'seat_utilisation'
        and has_data

),

core_features as (

    select
        event_name,
        coalesce(label, event_name) as label
    from {{ ref('feature_catalogue') }}
    where is_core_feature

),

recent_use as (

    select distinct
        feature_days.account_id,
        feature_days.event_name
    from {{ ref('int_product_events_rolled_up_to_feature_days') }} as feature_days
    inner join core_features
        on feature_days.event_name = core_features.event_name
    where feature_days.activity_date > {{ add_days(as_of_date(), -90) }}
        and feature_days.activity_date <= {{ as_of_date() }}

),

candidates as (

    select
        ranked.account_id,
        ranked.as_of_date,
        ranked.segment,
        ranked.health_score,
        ranked.score_percentile,
        utilisation.seat_utilisation,
        ranked.licensed_seats,
        ranked.arr,
        ranked.term_end_date
    from ranked
    inner join utilisation
        on ranked.account_id = utilisation.account_id
        and ranked.as_of_date = utilisation.as_of_date
    where ranked.health_band = 'green'
        and ranked.score_percentile >= 0.75
        and utilisation.seat_utilisation >= {{ min_utilisation }}

),

unadopted as (

    select
        candidates.account_id,
        count(*) as unadopted_core_features,
        {{ ordered_listagg(
            'core_features.event_name', "', '", 'core_features.event_name'
        ) }} as unadopted_core_feature_list,
        {{ ordered_listagg(
            'core_features.label', "', '", 'core_features.event_name'
        ) }} as unadopted_core_feature_labels
    from candidates
    cross join core_features
    left join recent_use
        on candidates.account_id = recent_use.account_id
        and core_features.event_name = recent_use.event_name
    where recent_use.account_id is null
    group by candidates.account_id

),

accounts as (

    select
        account_id,
        account_name,
        csm_owner
    from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        cast(candidates.account_id as {{ dbt.type_string() }}) as account_id,
        cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
        cast(candidates.segment as {{ dbt.type_string() }}) as segment,
        cast(accounts.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast({{ action_owner('accounts.csm_owner') }} as {{ dbt.type_string() }}) as action_owner,
        cast(accounts.csm_owner is not null as {{ dbt.type_boolean() }}) as is_owner_assigned,
        cast(candidates.as_of_date as date) as as_of_date,
        cast(candidates.health_score as {{ type_double() }}) as health_score,
        cast(candidates.score_percentile as {{ type_double() }}) as score_percentile,
        cast(candidates.seat_utilisation as {{ type_double() }}) as seat_utilisation,
        cast(candidates.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(candidates.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast(candidates.term_end_date as date) as term_end_date,
        cast(coalesce(unadopted.unadopted_core_features, 0) as {{ dbt.type_int() }}) as unadopted_core_features,
        cast(unadopted.unadopted_core_feature_list as {{ dbt.type_string() }}) as unadopted_core_feature_list,
        cast(unadopted.unadopted_core_feature_labels as {{ dbt.type_string() }}) as unadopted_core_feature_labels,
        cast(case
            when unadopted.unadopted_core_features > 0
                then {{ dbt.concat([
                    "'Expansion conversation: more seats, and the unused core features: '",
                    'unadopted.unadopted_core_feature_labels'
                ]) }}
            else 'Expansion conversation: more seats (every core feature is in use)'
        end as {{ dbt.type_string() }}) as suggested_action
    from candidates
    inner join accounts
        on candidates.account_id = accounts.account_id
    left join unadopted
        on candidates.account_id = unadopted.account_id

)

select * from final
