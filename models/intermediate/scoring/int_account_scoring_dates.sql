{{ config(**incremental_by_date(rescored_on_config_change=true, empties_on_config_change=false)) }}

{#-
    One row per account and scoring date: the accounts that exist on the date (created on or
    before it), whether they are a customer then, the contract term in force (seats, ARR,
    renewal date) and the weight profile their segment selects.

    A customer on date D has a term that started on or before D whose end_date plus the grace
    window has not passed. When billing_subscriptions holds no rows at all, every existing
    account counts as a customer. Only customer dates are kept for the history; on the current
    as-of date every account is kept so that account_health has one row per account.
    Incremental like the per-date models that read it: a run computes only the dates in
    dates_to_build, which are the dates those models recompute in the same run (a model whose
    earlier run failed also recomputes older cadence dates, which this table kept). A full
    refresh of those models must include this one (macros/utils/dates_to_build.sql).

    Segments are point in time: CRM segments are current values, not a history, so a date this
    table already stores keeps the segment it was stored with whenever a run recomputes it
    (the previous-period date, the lookback window, a backfill range of healthscore_rebuild_from
    / _to, every date of a rescore after a scoring seed changed), and only the run's as-of date,
    and a date never stored, take the CRM's current segment. A segment change therefore shows
    from the as-of date of the first run that sees it, and the previous date keeps the segment
    (and score) it was published with, so the history credits the move to
    score_change_from_profile. The weight profile is configuration: it always comes from the
    current segment_weight_profiles, for the stored segment too. Dates recomputed from scratch
    take the current CRM segments: a full refresh, a run after raw rows were removed (the
    pre-hook empties the table first), and a non-cadence date of an earlier run (the as-of and
    previous-period dates off the cadence, whose rows the pre-hook deletes on DuckDB and
    PostgreSQL). To restate past segments from the CRM, run a full refresh.
-#}

{%- set keeps_stored_segments = is_incremental() %}

with

accounts as (

    select
        account_id,
        segment,
        created_at
    from {{ ref('stg_crm__accounts') }}

),

segment_profiles as (

    select
        segment,
        weight_profile
    from {{ ref('segment_weight_profiles') }}

),

subscriptions as (

    select
        subscription_id,
        account_id,
        seats,
        arr,
        start_date,
        end_date
    from {{ ref('stg_billing__subscriptions') }}

),

{%- if keeps_stored_segments %}

-- The segment each stored date was scored with, for every date but the run's as-of date.
stored_segments as (

    select
        stored.account_id,
        stored.as_of_date,
        stored.segment
    from {{ this }} as stored
    where stored.as_of_date not in (
        select current_dates.as_of_date
        from {{ ref('int_scoring_dates') }} as current_dates
        where current_dates.is_current_date
    )

),
{%- endif %}

scoring_dates as (

    select * from {{ ref('int_scoring_dates') }}
    where as_of_date in ({{ dates_to_build() }})

),

billing_source as (

    select count(*) as subscription_rows from subscriptions

),

account_dates as (

    select
        accounts.account_id,
        {%- if keeps_stored_segments %}
        case
            when stored_segments.account_id is not null then stored_segments.segment
            else accounts.segment
        end as segment,
        {%- else %}
        accounts.segment,
        {%- endif %}
        scoring_dates.as_of_date,
        scoring_dates.is_cadence_date,
        scoring_dates.is_current_date,
        scoring_dates.is_previous_period_date,
        scoring_dates.previous_period_date
    from accounts
    cross join scoring_dates
    {%- if keeps_stored_segments %}
    left join stored_segments
        on accounts.account_id = stored_segments.account_id
        and scoring_dates.as_of_date = stored_segments.as_of_date
    {%- endif %}
    where cast(accounts.created_at as date) <= scoring_dates.as_of_date

),

-- The term in force on D is the latest-started term with start_date <= D (ties: the later
-- end_date, then the smaller subscription_id). In that order each term is in force from its
-- start_date until the next term starts, so a date joins at most one term, without ranking
-- every term against every date.
ordered_terms as (

    select
        subscription_id,
        account_id,
        seats,
        arr,
        start_date,
        end_date,
        lead(start_date) over (
            partition by account_id
            order by start_date asc, end_date asc, subscription_id desc
        ) as next_start_date
    from subscriptions

),

terms_in_force as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        ordered_terms.subscription_id,
        ordered_terms.seats,
        ordered_terms.arr,
        ordered_terms.start_date,
        ordered_terms.end_date
    from account_dates
    inner join ordered_terms
        on account_dates.account_id = ordered_terms.account_id
        and ordered_terms.start_date <= account_dates.as_of_date
        and (ordered_terms.next_start_date is null or ordered_terms.next_start_date > account_dates.as_of_date)

),

classified as (

    select
        account_dates.account_id,
        account_dates.as_of_date,
        account_dates.is_cadence_date,
        account_dates.is_current_date,
        account_dates.is_previous_period_date,
        account_dates.previous_period_date,
        account_dates.segment,
        coalesce(segment_profiles.weight_profile, 'default') as weight_profile,
        terms_in_force.subscription_id,
        terms_in_force.seats as licensed_seats,
        terms_in_force.arr,
        terms_in_force.start_date as term_start_date,
        terms_in_force.end_date as term_end_date,
        case
            when billing_source.subscription_rows = 0 then true
            when terms_in_force.subscription_id is null then false
            else {{ add_days(
                'terms_in_force.end_date', var('healthscore_renewal_grace_days')
            ) }} >= account_dates.as_of_date
        end as is_customer
    from account_dates
    cross join billing_source
    left join segment_profiles
        on account_dates.segment = segment_profiles.segment
    left join terms_in_force
        on account_dates.account_id = terms_in_force.account_id
        and account_dates.as_of_date = terms_in_force.as_of_date

),

final as (

    select
        account_id,
        as_of_date,
        is_cadence_date,
        is_current_date,
        is_previous_period_date,
        previous_period_date,
        segment,
        weight_profile,
        is_customer,
        subscription_id,
        licensed_seats,
        arr,
        term_start_date,
        term_end_date,
        cast('{{ scoring_config_fingerprint() }}' as {{ dbt.type_string() }}) as config_fingerprint
    from classified
    where is_customer or is_current_date

)

select * from final
