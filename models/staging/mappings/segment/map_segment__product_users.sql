{{ config(materialized='view', enabled=(var('healthscore_product_mapping', none) == 'segment')) }}

{#-
    product_users from Segment's warehouse schema: one row per user_id of the identify calls
    (table identifies). created_at: the user's first identify call (first seen). account_id:
    the account of the user's latest identify call that carries one (the column or expression
    of healthscore_segment_account_id, default context_group_id; identifies also holds the
    user's traits as columns, e.g. a trait account_id), else the group of the user's latest
    group call (macro segment_user_groups). deactivated_at is not provided: Segment records no
    removal of a user.
-#}

{%- set account_setting = var('healthscore_segment_account_id', 'context_group_id') %}

with

identifies as (

    select * from {{ connector_table('segment', 'identifies', {
        'id': 'string', 'user_id': 'string', 'timestamp': 'timestamp as identified_at',
    }, expressions={'call_account_id': account_setting}, required=true) }} as identifies

),

user_groups as (

    select * from {{ segment_user_groups() }} as user_groups

),

identified_users as (

    select
        cast(identifies.user_id as {{ dbt.type_string() }}) as user_id,
        cast(identifies.call_account_id as {{ dbt.type_string() }}) as call_account_id,
        identifies.identified_at,
        min(identifies.identified_at) over (partition by identifies.user_id) as first_seen_at,
        row_number() over (
            partition by identifies.user_id
            order by
                case when identifies.call_account_id is null then 1 else 0 end,
                identifies.identified_at desc,
                identifies.id desc
        ) as account_rank
    from identifies
    where identifies.user_id is not null

),

final as (

    select
        identified_users.user_id,
        coalesce(identified_users.call_account_id, user_groups.group_id) as account_id,
        identified_users.first_seen_at as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as deactivated_at
    from identified_users
    left join user_groups
        on identified_users.user_id = user_groups.user_id
    where identified_users.account_rank = 1

)

select * from final
