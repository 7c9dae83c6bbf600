{{ config(**incremental_by_date()) }}

{#-
    The stored score history behind the account_health_history view: one row per account per
    scoring date on which the account was a customer. Incremental by date: a run recomputes its
    last dates (and any backfill range, healthscore_rebuild_from/_to) and keeps the others.
-#}

with

scores as (

    select * from {{ ref('int_account_health_scored') }}
    where is_cadence_date
        and is_customer
        and as_of_date in ({{ dates_to_build() }})

),

final as (

    select
        cast(scores.account_id as {{ dbt.type_string() }}) as account_id,
        cast(scores.as_of_date as date) as as_of_date,
        cast(scores.segment as {{ dbt.type_string() }}) as segment,
        cast(scores.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(scores.health_score as {{ type_double() }}) as health_score,
        cast(scores.health_band as {{ dbt.type_string() }}) as health_band,
        cast(scores.band_action as {{ dbt.type_string() }}) as band_action,
        cast(scores.score_status as {{ dbt.type_string() }}) as score_status,
        cast(scores.score_null_reason as {{ dbt.type_string() }}) as score_null_reason,
        cast(scores.coverage as {{ type_double() }}) as coverage,
        cast(scores.product_score as {{ type_double() }}) as product_score,
        cast(scores.support_score as {{ type_double() }}) as support_score,
        cast(scores.commercial_score as {{ type_double() }}) as commercial_score,
        cast(scores.relationship_score as {{ type_double() }}) as relationship_score,
        cast(scores.top_negative_driver_1 as {{ dbt.type_string() }}) as top_negative_driver_1,
        cast(scores.top_negative_driver_2 as {{ dbt.type_string() }}) as top_negative_driver_2,
        cast(scores.top_negative_driver_3 as {{ dbt.type_string() }}) as top_negative_driver_3,
        cast(scores.top_negative_drivers as {{ dbt.type_string() }}) as top_negative_drivers,
        cast(scores.top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast(scores.top_positive_drivers as {{ dbt.type_string() }}) as top_positive_drivers,
        cast(scores.missing_signals as {{ dbt.type_string() }}) as missing_signals,
        cast(scores.previous_health_score as {{ type_double() }}) as previous_health_score,
        cast(scores.previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        cast(scores.score_change as {{ type_double() }}) as score_change,
        cast(scores.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast(scores.top_negative_drivers_text as {{ dbt.type_string() }}) as top_negative_drivers_text,
        cast(scores.top_positive_drivers_text as {{ dbt.type_string() }}) as top_positive_drivers_text,
        cast(scores.change_drivers_text as {{ dbt.type_string() }}) as change_drivers_text,
        cast(scores.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(scores.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast(scores.term_end_date as date) as term_end_date,
        cast(scores.is_cadence_date as {{ dbt.type_boolean() }}) as is_cadence_date,
        {{ written_by_this_run() }} as dbt_run_started_at
    from scores

)

select * from final
