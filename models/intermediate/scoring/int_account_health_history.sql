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
        {{ health_score_columns('scores', with_probability=false) }},
        cast(scores.is_cadence_date as {{ dbt.type_boolean() }}) as is_cadence_date,
        {{ written_by_this_run() }} as dbt_run_started_at
    from scores

)

select * from final
