{#-
    The current health of every account: one row per account in crm_accounts, scored as of the
    run's as-of date. Accounts that are not customers on that date, or whose signals cover too
    little of their profile's weight, have a null score with score_status and score_null_reason
    saying why. This is the table BI tools and CSM workflows read. revenue_at_risk is the ARR
    the renewal probability expects to lose; action_owner routes an account without a CSM to
    the var healthscore_default_owner.
    Manual overrides (int_account_overrides_by_date, docs/overrides.md): health_score,
    health_band and band_action are the effective ones (the override's score, its band, and that
    band's action), and renewal_probability follows the effective score; the computed score and
    band stay beside them (computed_health_score, computed_health_band), with the override that
    applies. previous_health_band is the band shown one cadence step earlier (effective too).
-#}

with

health as (

    select * from {{ ref('int_account_health_scored') }}
    where as_of_date = {{ as_of_date() }}

),

overrides as (

    select * from {{ ref('int_account_overrides_by_date') }}

),

effective as (

    select
        health.*,
        health.health_score as computed_health_score,
        health.health_band as computed_health_band,
        {{ effective_health_columns('health') }}
    from health
    left join overrides
        on health.account_id = overrides.account_id
        and health.as_of_date = overrides.as_of_date
    left join overrides as previous_overrides
        on health.account_id = previous_overrides.account_id
        and health.previous_period_date = previous_overrides.as_of_date

),

scores as (

    select
        effective.*,
        {{ renewal_probability_from_fits('effective.effective_health_score') }} as renewal_probability
    from effective
    {{ join_renewal_probability_fits('effective', 'segment', 'all') }}

),

accounts as (

    select
        account_id,
        account_name,
        industry,
        csm_owner,
        parent_account_id
    from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        cast(scores.account_id as {{ dbt.type_string() }}) as account_id,
        cast(scores.as_of_date as date) as as_of_date,
        cast(scores.segment as {{ dbt.type_string() }}) as segment,
        cast(scores.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(scores.effective_health_score as {{ type_double() }}) as health_score,
        cast(scores.renewal_probability as {{ type_double() }}) as renewal_probability,
        cast(
            cast(scores.arr as {{ type_double() }}) * (1.0 - scores.renewal_probability)
            as {{ type_double() }}
        ) as revenue_at_risk,
        cast(scores.effective_health_band as {{ dbt.type_string() }}) as health_band,
        cast(scores.effective_band_action as {{ dbt.type_string() }}) as band_action,
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
        cast(scores.effective_previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        cast(scores.score_change as {{ type_double() }}) as score_change,
        cast(scores.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast(scores.top_negative_drivers_text as {{ dbt.type_string() }}) as top_negative_drivers_text,
        cast(scores.top_positive_drivers_text as {{ dbt.type_string() }}) as top_positive_drivers_text,
        cast(scores.change_drivers_text as {{ dbt.type_string() }}) as change_drivers_text,
        cast(scores.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(scores.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast(scores.term_end_date as date) as term_end_date,
        cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
        cast(accounts.industry as {{ dbt.type_string() }}) as industry,
        cast(accounts.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast({{ action_owner('accounts.csm_owner') }} as {{ dbt.type_string() }}) as action_owner,
        cast(accounts.csm_owner is not null as {{ dbt.type_boolean() }}) as is_owner_assigned,
        cast(accounts.parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(scores.is_customer as {{ dbt.type_boolean() }}) as is_customer,
        cast({{ days_between(
            'scores.as_of_date', 'scores.term_end_date'
        ) }} as {{ dbt.type_int() }}) as days_to_renewal,
        cast(scores.computed_health_score as {{ type_double() }}) as computed_health_score,
        cast(scores.computed_health_band as {{ dbt.type_string() }}) as computed_health_band,
        cast(scores.is_overridden as {{ dbt.type_boolean() }}) as is_overridden,
        cast(scores.override_id as {{ dbt.type_string() }}) as override_id,
        cast(scores.override_reason as {{ dbt.type_string() }}) as override_reason,
        cast(scores.override_author as {{ dbt.type_string() }}) as override_author,
        cast(scores.override_expires_on as date) as override_expires_on,
        cast(scores.config_fingerprint as {{ dbt.type_string() }}) as config_fingerprint
    from scores
    inner join accounts
        on scores.account_id = accounts.account_id

)

select * from final
