{#-
    One row per renewal event: an account's contract term(s) ending on a date on or before the
    as-of date (terms of one account ending on the same day, e.g. co-termed add-ons, are one
    event). Rules (docs/raw_contract.md):
      renewed  another term of the account is in force after the end date and started no later
               than end_date + healthscore_renewal_grace_days: a back-to-back, overlapping
               (early renewal) or late-within-grace term. The successor is the latest such term
               to start; its ARR against the ended terms' marks the renewal expanded, flat or
               contracted (a change within 1% is flat). A term followed by an overlapping or
               back-to-back term is one renewal event, never a churn plus a new business.
      churned  no such term, and the grace window has fully elapsed by the as-of date.
      pending  no such term yet and the grace window still runs: counted as neither.
    is_settled: the grace window has fully elapsed, so either outcome could have been seen. Only
    settled renewals are validated: a renewal ended in the last grace window can already be
    known renewed but not yet churned, and counting it would tilt recent renewals toward
    renewed (most of a short history's later renewals).
-#}

{%- set grace_days = var('healthscore_renewal_grace_days') | int -%}

with

subscriptions as (

    select
        subscription_id,
        account_id,
        arr,
        start_date,
        end_date,
        canceled_at
    from {{ ref('stg_billing__subscriptions') }}

),

accounts as (

    select
        account_id,
        segment
    from {{ ref('stg_crm__accounts') }}

),

ending_terms as (

    select
        account_id,
        end_date as renewal_date,
        min(start_date) as term_start_date,
        sum(arr) as ending_arr,
        count(*) as ending_terms,
        min(subscription_id) as subscription_id,
        max(canceled_at) as canceled_at
    from subscriptions
    where end_date <= {{ as_of_date() }}
    group by account_id, end_date

),

successors as (

    select
        ending_terms.account_id,
        ending_terms.renewal_date,
        subscriptions.subscription_id as renewed_subscription_id,
        subscriptions.start_date as renewed_start_date,
        subscriptions.arr as renewed_arr,
        row_number() over (
            partition by ending_terms.account_id, ending_terms.renewal_date
            order by subscriptions.start_date desc, subscriptions.end_date desc, subscriptions.subscription_id asc
        ) as successor_rank
    from ending_terms
    inner join subscriptions
        on ending_terms.account_id = subscriptions.account_id
        and subscriptions.end_date > ending_terms.renewal_date
        and subscriptions.start_date <= {{ add_days('ending_terms.renewal_date', grace_days) }}

),

classified as (

    select
        ending_terms.account_id,
        ending_terms.renewal_date,
        ending_terms.term_start_date,
        ending_terms.ending_arr,
        ending_terms.ending_terms,
        ending_terms.subscription_id,
        ending_terms.canceled_at,
        successors.renewed_subscription_id,
        successors.renewed_start_date,
        successors.renewed_arr,
        {{ add_days('ending_terms.renewal_date', grace_days) }} as grace_end_date,
        case
            when successors.renewed_subscription_id is not null then 'renewed'
            when {{ add_days('ending_terms.renewal_date', grace_days) }} < {{ as_of_date() }} then 'churned'
            else 'pending'
        end as outcome
    from ending_terms
    left join successors
        on ending_terms.account_id = successors.account_id
        and ending_terms.renewal_date = successors.renewal_date
        and successors.successor_rank = 1

),

final as (

    select
        cast({{ dbt.concat([
            'classified.account_id', "'|'", dbt.cast('classified.renewal_date', dbt.type_string())
        ]) }} as {{ dbt.type_string() }}) as renewal_id,
        cast(classified.account_id as {{ dbt.type_string() }}) as account_id,
        cast(accounts.segment as {{ dbt.type_string() }}) as segment,
        cast(classified.renewal_date as date) as renewal_date,
        cast(classified.subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(classified.ending_terms as {{ dbt.type_int() }}) as ending_terms,
        cast(classified.term_start_date as date) as term_start_date,
        cast({{ days_between(
            'classified.term_start_date', 'classified.renewal_date'
        ) }} as {{ dbt.type_int() }}) as term_days,
        cast({{ term_class(
            days_between('classified.term_start_date', 'classified.renewal_date')
        ) }} as {{ dbt.type_string() }}) as term_class,
        cast(classified.outcome as {{ dbt.type_string() }}) as outcome,
        cast(case
            when classified.outcome = 'churned' then 1
            when classified.outcome = 'renewed' then 0
        end as {{ dbt.type_int() }}) as is_churned,
        cast(classified.ending_arr as {{ contract_sql_type('decimal') }}) as ending_arr,
        cast(classified.renewed_subscription_id as {{ dbt.type_string() }}) as renewed_subscription_id,
        cast(classified.renewed_start_date as date) as renewed_start_date,
        cast({{ days_between(
            'classified.renewal_date', 'classified.renewed_start_date'
        ) }} as {{ dbt.type_int() }}) as renewal_gap_days,
        cast(classified.renewed_arr as {{ contract_sql_type('decimal') }}) as renewed_arr,
        cast(classified.renewed_arr - classified.ending_arr as {{ contract_sql_type('decimal') }}) as arr_change,
        cast(case
            when classified.outcome <> 'renewed' then null
            when classified.renewed_arr > classified.ending_arr * 1.01 then 'expanded'
            when classified.renewed_arr < classified.ending_arr * 0.99 then 'contracted'
            else 'flat'
        end as {{ dbt.type_string() }}) as arr_change_category,
        cast(classified.grace_end_date as date) as grace_end_date,
        classified.grace_end_date < {{ as_of_date() }} as is_settled,
        cast(classified.canceled_at as {{ dbt.type_timestamp() }}) as canceled_at,
        {{ as_of_date() }} as as_of_date
    from classified
    inner join accounts
        on classified.account_id = accounts.account_id

)

select * from final
