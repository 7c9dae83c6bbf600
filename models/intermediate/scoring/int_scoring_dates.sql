{#-
    The dates on which accounts are scored: every cadence date (weekly on
    healthscore_score_weekday, or daily) from the history start to the as-of date, plus the
    as-of date itself and the date one cadence step before it (for "change since last period").
    The history starts at healthscore_history_start_date or, by default, on the earliest
    product, support, CRM or invoice row: scores start as soon as a signal can be computed, so
    that a company with a few months of data has scores before its first renewals. Windowed
    counts of young accounts are scaled to their tenure (int_product_signals), and a trend is
    missing until its earlier window lies within the account's data.
-#}

{%- set cadence = var('healthscore_score_cadence') -%}
{%- if cadence not in ['weekly', 'daily'] -%}
    {{ exceptions.raise_compiler_error("healthscore_score_cadence must be 'weekly' or 'daily', got '" ~ cadence ~ "'.") }}
{%- endif -%}
{%- set step_days = 7 if cadence == 'weekly' else 1 -%}
{%- set weekday = var('healthscore_score_weekday') | int -%}
{%- if weekday < 1 or weekday > 7 -%}
    {{ exceptions.raise_compiler_error("healthscore_score_weekday must be 1 (Monday) to 7 (Sunday).") }}
{%- endif -%}

with

events as (

    select min(occurred_date) as first_date from {{ ref('stg_product__events') }}

),

tickets as (

    select cast(min(created_at) as date) as first_date from {{ ref('stg_support__tickets') }}

),

activities as (

    select cast(min(occurred_at) as date) as first_date from {{ ref('stg_crm__activities') }}

),

invoices as (

    select cast(min(issued_at) as date) as first_date from {{ ref('stg_billing__invoices') }}

),

subscriptions as (

    select min(start_date) as first_date from {{ ref('stg_billing__subscriptions') }}

),

accounts as (

    select cast(min(created_at) as date) as first_date from {{ ref('stg_crm__accounts') }}

),

first_activity as (

    select min(first_date) as first_date
    from (
        select first_date from events
        union all
        select first_date from tickets
        union all
        select first_date from activities
        union all
        select first_date from invoices
    ) as activity_sources

),

bounds as (

    select
        {% if var('healthscore_history_start_date') -%}
            cast('{{ var("healthscore_history_start_date") }}' as date)
        {%- else -%}
        coalesce(first_activity.first_date, subscriptions.first_date, accounts.first_date, {{ as_of_date() }})
        {%- endif %} as history_start_date,
        {{ as_of_date() }} as as_of_date
    from first_activity
    cross join subscriptions
    cross join accounts

),

day_offsets as (

    {{ day_offsets(5) }}

),

history_dates as (

    select {{ add_days('bounds.history_start_date', 'day_offsets.day_offset') }} as scoring_date
    from bounds
    cross join day_offsets
    where day_offsets.day_offset <= {{ days_between('bounds.history_start_date', 'bounds.as_of_date') }}

),

candidate_dates as (

    select history_dates.scoring_date from history_dates
    union
    select bounds.as_of_date from bounds
    union
    select {{ add_days('bounds.as_of_date', -step_days) }} from bounds

),

flagged as (

    select
        candidate_dates.scoring_date,
        candidate_dates.scoring_date <= bounds.as_of_date
        and candidate_dates.scoring_date >= bounds.history_start_date
        {%- if cadence == 'weekly' %}
        -- 1900-01-01 was a Monday: ISO weekday = 1 + days since then, modulo 7.
        and mod({{ days_between("cast('1900-01-01' as date)", 'candidate_dates.scoring_date') }}, 7) + 1 = {{ weekday }}
        {%- endif %} as is_cadence_date,
        candidate_dates.scoring_date = bounds.as_of_date as is_current_date,
        candidate_dates.scoring_date = {{ add_days('bounds.as_of_date', -step_days) }} as is_previous_period_date
    from candidate_dates
    cross join bounds

),

final as (

    select
        flagged.scoring_date as as_of_date,
        flagged.is_cadence_date,
        flagged.is_current_date,
        flagged.is_previous_period_date,
        {{ add_days('flagged.scoring_date', -step_days) }} as previous_period_date
    from flagged
    where flagged.is_cadence_date or flagged.is_current_date or flagged.is_previous_period_date

)

select * from final
