-- Rule: following parent_account_id up from any account ends at a top-level account within
-- healthscore_max_hierarchy_depth steps. A cycle, or a longer chain, is reported here (warn:
-- the account scores are still published; the parent roll-ups under it are flagged in
-- hierarchy_issue). Fix parent_account_id in the CRM, or raise the var for a deeper tree.
{{ config(severity='warn') }}

select
    account_id,
    hierarchy_issue,
    case
        when hierarchy_issue = 'cycle'
            then {{ dbt.concat([
                "account_id",
                "': its parent_account_id chain loops back to it; fix parent_account_id in the CRM'"
            ]) }}
        else {{ dbt.concat([
            "account_id",
            "': its parent_account_id chain goes deeper than healthscore_max_hierarchy_depth ("
            ~ var('healthscore_max_hierarchy_depth') ~ ") or reaches a loop; raise the var or fix the CRM'"
        ]) }}
    end as problem
from {{ ref('int_account_hierarchy') }}
where hierarchy_issue is not null
group by account_id, hierarchy_issue
