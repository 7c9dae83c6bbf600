{#-
    The current health of every account: one row per account in crm_accounts, scored as of the
    run's as-of date. Accounts that are not customers on that date, or whose signals cover too
    little of their profile's weight, have a null score with score_status and score_null_reason
    saying why. This is the table BI tools and CSM workflows read.
-#}

with

health as (

    select * from {{ ref('int_account_health_scored') }}
    where as_of_date = {{ as_of_date() }}

),

scores as (

    select
        health.*,
        {{ renewal_probability_from_fits('health.health_score') }} as renewal_probability
    from health
    {{ join_renewal_probability_fits('health', 'segment', 'all') }}

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
        {{ health_score_columns('scores') }},
        cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
        cast(accounts.industry as {{ dbt.type_string() }}) as industry,
        cast(accounts.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast(accounts.parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(scores.is_customer as {{ dbt.type_boolean() }}) as is_customer,
        cast({{ days_between('scores.as_of_date', 'scores.term_end_date') }} as {{ dbt.type_int() }}) as days_to_renewal
    from scores
    inner join accounts
        on scores.account_id = accounts.account_id

)

select * from final
