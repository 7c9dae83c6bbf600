{{ config(**incremental_by_date(rescored_on_config_change=true)) }}

{#-
    The long feature table behind every score: one row per account, scoring date and signal,
    with the raw value, the 0-100 signal score, whether data existed (and why not), the weight
    and how much the signal moved the score. Covers the history's cadence dates (while the
    account was a customer) and the current as-of date (every account). Incremental by date;
    like the scoring chain it explains, rescored on every date when the scoring configuration
    changed (config_fingerprint, docs/scoring_changes.md).
-#}

with

contributions as (

    select * from {{ ref('int_signal_contributions') }}
    where as_of_date in ({{ dates_to_build() }})

),

scoring_dates as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        is_current_date,
        is_customer
    from {{ ref('int_account_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

final as (

    select
        cast(contributions.account_id as {{ dbt.type_string() }}) as account_id,
        cast(contributions.as_of_date as date) as as_of_date,
        cast(contributions.signal as {{ dbt.type_string() }}) as signal,
        cast(contributions.category as {{ dbt.type_string() }}) as category,
        cast(contributions.raw_value as {{ type_double() }}) as raw_value,
        cast(contributions.signal_score as {{ type_double() }}) as signal_score,
        cast(contributions.has_data as {{ dbt.type_boolean() }}) as has_data,
        cast(contributions.missing_reason as {{ dbt.type_string() }}) as missing_reason,
        cast(contributions.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast(contributions.weight as {{ type_double() }}) as weight,
        cast(contributions.effective_weight as {{ type_double() }}) as effective_weight,
        cast(contributions.contribution_points as {{ type_double() }}) as contribution_points,
        cast(contributions.impact_points as {{ type_double() }}) as impact_points,
        cast(contributions.impact_change_points as {{ type_double() }}) as impact_change_points,
        cast(contributions.latest_input_at as {{ dbt.type_timestamp() }}) as latest_input_at,
        -- A history row: a scoring date on which the account was a customer. The other rows
        -- (the run's as-of date) are replaced by the next run.
        cast(
            scoring_dates.is_cadence_date and scoring_dates.is_customer as {{ dbt.type_boolean() }}
        ) as is_cadence_date,
        cast(contributions.config_fingerprint as {{ dbt.type_string() }}) as config_fingerprint,
        {{ written_by_this_run() }} as dbt_run_started_at
    from contributions
    inner join scoring_dates
        on contributions.account_id = scoring_dates.account_id
        and contributions.as_of_date = scoring_dates.as_of_date
    where (scoring_dates.is_cadence_date and scoring_dates.is_customer) or scoring_dates.is_current_date

)

select * from final
