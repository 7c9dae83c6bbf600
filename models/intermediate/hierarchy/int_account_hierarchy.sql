{#-
    Every account with each of its ancestors in the CRM's account tree (parent_account_id of
    stg_crm__accounts), one row per account and ancestor, at depth 1 (the parent), 2 (the
    grandparent) and so on up to the var healthscore_max_hierarchy_depth. The tree is walked by
    that many unrolled self-joins, not a recursive CTE (Spark has none), so a loop in the CRM's
    parents cannot loop here: each account is followed one step beyond the maximum depth, and
    an account that meets itself among its ancestors is flagged 'cycle', one whose chain of
    parents is still going one step beyond the maximum 'deeper_than_max_depth' (a longer chain,
    or a loop higher up). Flagged accounts keep the ancestors found within the maximum depth
    (itself excluded) and are reported by the warn-severity test
    assert_account_hierarchy_has_no_cycles_or_chains_deeper_than_max_depth.
    A parent_account_id that names no account in stg_crm__accounts (unknown or quarantined)
    is read as no parent: the account is top level, and the warn-severity relationships test on
    stg_crm__accounts.parent_account_id reports it.
    The tree is the CRM's current one: it keeps no history of parent changes.
-#}

{%- set max_depth = var('healthscore_max_hierarchy_depth') | int -%}
{%- if max_depth < 1 -%}
    {{ exceptions.raise_compiler_error("healthscore_max_hierarchy_depth must be a whole number of at least 1, got '" ~ var('healthscore_max_hierarchy_depth') ~ "'.") }}
{%- endif -%}

with

accounts as (

    select
        account_id,
        parent_account_id
    from {{ ref('stg_crm__accounts') }}

),

known_parents as (

    {#- A parent that names no account is no parent (top level). -#}
    select
        accounts.account_id,
        parent_accounts.account_id as parent_account_id
    from accounts
    left join accounts as parent_accounts
        on accounts.parent_account_id = parent_accounts.account_id

),

chains as (

    {#- ancestor_<k>: the account k steps up, k = 1 .. max depth + 1 (the last only to see
        whether the chain goes on). -#}
    select
        depth_0.account_id,
        {%- for depth in range(1, max_depth + 1) %}
        depth_{{ depth }}.account_id as ancestor_{{ depth }},
        {%- endfor %}
        depth_{{ max_depth + 1 }}.account_id as ancestor_{{ max_depth + 1 }}
    from known_parents as depth_0
    {% for depth in range(1, max_depth + 2) -%}
    left join known_parents as depth_{{ depth }}
        on depth_{{ depth - 1 }}.parent_account_id = depth_{{ depth }}.account_id
    {% endfor %}

),

flagged as (

    select
        chains.*,
        case
            {%- for depth in range(1, max_depth + 2) %}
            when chains.ancestor_{{ depth }} = chains.account_id then 'cycle'
            {%- endfor %}
            when chains.ancestor_{{ max_depth + 1 }} is not null then 'deeper_than_max_depth'
        end as hierarchy_issue
    from chains

),

ancestors as (

    {%- for depth in range(1, max_depth + 1) %}
    select
        account_id,
        ancestor_{{ depth }} as ancestor_account_id,
        {{ depth }} as ancestor_depth,
        hierarchy_issue
    from flagged
    where ancestor_{{ depth }} is not null
        and ancestor_{{ depth }} <> account_id
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

nearest as (

    {#- In a loop an ancestor comes back at a greater depth: keep its nearest. -#}
    select
        account_id,
        ancestor_account_id,
        min(ancestor_depth) as ancestor_depth,
        max(hierarchy_issue) as hierarchy_issue
    from ancestors
    group by account_id, ancestor_account_id

),

final as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(ancestor_account_id as {{ dbt.type_string() }}) as ancestor_account_id,
        cast(ancestor_depth as {{ dbt.type_int() }}) as ancestor_depth,
        cast(hierarchy_issue as {{ dbt.type_string() }}) as hierarchy_issue
    from nearest

)

select * from final
