{{ config(materialized='view', enabled=(var('healthscore_product_mapping', none) == 'segment')) }}

{#-
    product_events from Segment's warehouse schema: one row per track call (table tracks).
    event_id: the message id; event_name: the event (Segment's snake_case name); occurred_at:
    timestamp (Segment's clock-skew corrected time); user_id as sent (null for anonymous
    calls: they count toward volume, not users). account_id: the call's own account, the
    column or expression of healthscore_segment_account_id (default context_group_id), else
    the group of the user's latest group call (macro segment_user_groups). quantity is not
    provided (tracks holds no properties): every event counts 1.
    Read through base_product__events like a raw table: the events models filter the rows of
    their window on the text of occurred_at, so the view stays a plain projection of tracks.
-#}

{%- set account_setting = var('healthscore_segment_account_id', 'context_group_id') %}

with

tracks as (

    select * from {{ connector_table('segment', 'tracks', {
        'id': 'string', 'user_id': 'string', 'event': 'string as event_name',
        'timestamp': 'timestamp as occurred_at',
    }, expressions={'call_account_id': account_setting}, required=true) }} as tracks

),

user_groups as (

    select * from {{ segment_user_groups() }} as user_groups

),

final as (

    select
        cast(tracks.id as {{ dbt.type_string() }}) as event_id,
        coalesce(cast(tracks.call_account_id as {{ dbt.type_string() }}), user_groups.group_id) as account_id,
        cast(tracks.user_id as {{ dbt.type_string() }}) as user_id,
        cast(tracks.event_name as {{ dbt.type_string() }}) as event_name,
        tracks.occurred_at,
        cast(null as {{ dbt.type_numeric() }}) as quantity
    from tracks
    left join user_groups
        on tracks.user_id = user_groups.user_id

)

select * from final
