{#-
    The event names that become product signals of their own (int_product_event_signals): the
    company's own vocabulary, discovered from its events. Selected are the
    healthscore_event_signals_top_n names used by the most accounts up to the as-of date, and
    every name the scoring configuration weighs or gives a curve (a signal named
    '<metric>:<event name>' in weight_profiles with a weight above 0, or in
    signal_scoring_curves), so an adopted signal never disappears when the ranking moves.
    Which names are selected decides which signals exist, not their values: every value still
    uses only rows on or before its own date.
-#}

{%- set top_n = var('healthscore_event_signals_top_n') | int -%}

with

feature_days as (

    select
        account_id,
        event_name
    from {{ ref('int_product_events_rolled_up_to_feature_days') }}
    where activity_date <= {{ as_of_date() }}

),

reach as (

    select
        event_name,
        count(distinct account_id) as accounts_reached
    from feature_days
    group by event_name

),

ranked as (

    select
        event_name,
        accounts_reached,
        row_number() over (order by accounts_reached desc, event_name asc) as reach_rank
    from reach

),

configured_signals as (

    select signal from {{ ref('weight_profiles') }}
    where weight > 0
    union
    select signal from {{ ref('signal_scoring_curves') }}

),

configured_names as (

    select distinct
        substr(signal, {{ dbt.position("':'", 'signal') }} + 1) as event_name
    from configured_signals
    where {{ dbt.position("':'", 'signal') }} > 0

),

final as (

    select
        ranked.event_name,
        ranked.accounts_reached,
        ranked.reach_rank,
        ranked.reach_rank <= {{ top_n }} as is_top_ranked,
        configured_names.event_name is not null as is_configured
    from ranked
    left join configured_names
        on ranked.event_name = configured_names.event_name
    where ranked.reach_rank <= {{ top_n }}
        or configured_names.event_name is not null

)

select * from final
