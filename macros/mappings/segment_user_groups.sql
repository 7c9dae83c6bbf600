{#- Segment users' group (account) as a parenthesised subquery (user_id, group_id): the group of
    each user's latest group call in Segment's groups table (none when it is missing). The
    segment mapping falls back on it when a call carries no account of its own
    (healthscore_segment_account_id). -#}
{% macro segment_user_groups() -%}
    (
        select
            ranked_groups.user_id,
            ranked_groups.group_id
        from (
            select
                cast(group_calls.user_id as {{ dbt.type_string() }}) as user_id,
                cast(group_calls.group_id as {{ dbt.type_string() }}) as group_id,
                row_number() over (
                    partition by group_calls.user_id
                    order by group_calls.called_at desc, group_calls.id desc
                ) as group_rank
            from {{ connector_table('segment', 'groups', {
                'id': 'string', 'user_id': 'string', 'group_id': 'string',
                'timestamp': 'timestamp as called_at',
            }) }} as group_calls
            where group_calls.user_id is not null
                and group_calls.group_id is not null
        ) as ranked_groups
        where ranked_groups.group_rank = 1
    )
{%- endmacro %}
