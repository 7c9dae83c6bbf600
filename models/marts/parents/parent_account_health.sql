{#-
    The health of every parent account (an account with at least one descendant in the CRM's
    tree, int_account_hierarchy) rolled up from its members, one row per parent and scoring
    date: the score history's cadence dates (account_health_history) and the run's as-of date
    (account_health). Point in time: each date rolls up the members' scores of that date.
    The members are every descendant at every depth, plus the parent itself on a date it has a
    score. The method is the var healthscore_parent_rollup_method:
    - arr_weighted (default): the mean of the scored members' scores weighted by their ARR of
      that date; a member without ARR weighs 0, and when no scored member has ARR the plain
      mean is used (rollup_method says 'mean_without_arr');
    - min: the lowest scored member's score;
    - mean: the plain mean of the scored members' scores.
    Coverage is rolled up over the same scored members the same way. With no scored member the
    score is null (score_status no_scored_member), never 50. The band and its action come from
    the health_bands seed. The tree is the CRM's current one, applied to every date.
    The members' health_score and health_band are what the marts show (after any override).
-#}

{%- set method = var('healthscore_parent_rollup_method') -%}
{%- if method not in ['arr_weighted', 'min', 'mean'] -%}
    {{ exceptions.raise_compiler_error("healthscore_parent_rollup_method must be 'arr_weighted', 'min' or 'mean', got '" ~ method ~ "'.") }}
{%- endif -%}

with

account_health_history as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band,
        coverage,
        arr
    from {{ ref('account_health_history') }}
    where as_of_date <> {{ as_of_date() }}

),

account_health as (

    select
        account_id,
        as_of_date,
        health_score,
        health_band,
        coverage,
        arr
    from {{ ref('account_health') }}

),

int_account_hierarchy as (

    select * from {{ ref('int_account_hierarchy') }}

),

accounts as (

    select
        account_id,
        account_name
    from {{ ref('stg_crm__accounts') }}

),

bands as (

    select
        health_band,
        cast(min_score as {{ type_double() }}) as min_score,
        cast(max_score as {{ type_double() }}) as max_score,
        band_action,
        band_rank,
        min(band_rank) over () as worst_band_rank
    from {{ ref('health_bands') }}

),

account_scores as (

    select * from account_health_history
    union all
    select * from account_health

),

parents as (

    select
        ancestor_account_id as parent_account_id,
        count(*) as descendants,
        max(hierarchy_issue) as hierarchy_issue
    from int_account_hierarchy
    group by ancestor_account_id

),

memberships as (

    select
        ancestor_account_id as parent_account_id,
        account_id as member_account_id,
        false as is_parent_itself
    from int_account_hierarchy

    union all

    select
        parent_account_id,
        parent_account_id as member_account_id,
        true as is_parent_itself
    from parents

),

member_scores as (

    {#- The parent itself is a member only on a date it has a score. -#}
    select
        memberships.parent_account_id,
        memberships.member_account_id,
        memberships.is_parent_itself,
        account_scores.as_of_date,
        account_scores.health_score,
        account_scores.health_band,
        account_scores.coverage,
        cast(account_scores.arr as {{ type_double() }}) as arr,
        case
            when account_scores.health_score is not null and account_scores.arr > 0
                then cast(account_scores.arr as {{ type_double() }})
            else 0
        end as score_weight,
        (not memberships.is_parent_itself and account_scores.health_score is not null) as is_ranked
    from memberships
    inner join account_scores
        on memberships.member_account_id = account_scores.account_id
    where not memberships.is_parent_itself
        or account_scores.health_score is not null

),

ranked as (

    select
        member_scores.*,
        member_accounts.account_name as member_account_name,
        member_bands.band_rank = member_bands.worst_band_rank as is_in_worst_band,
        row_number() over (
            partition by member_scores.parent_account_id, member_scores.as_of_date, member_scores.is_ranked
            order by member_scores.health_score, member_scores.member_account_id
        ) as member_rank
    from member_scores
    left join accounts as member_accounts
        on member_scores.member_account_id = member_accounts.account_id
    left join bands as member_bands
        on member_scores.health_band = member_bands.health_band

),

rolled_up as (

    select
        parent_account_id,
        as_of_date,
        max(case when is_parent_itself then 1 else 0 end) as is_parent_scored,
        sum(case when health_score is not null then 1 else 0 end) as members_scored,
        sum(case when is_in_worst_band then 1 else 0 end) as worst_band_members,
        sum(arr) as total_arr,
        sum(case when health_score is not null then arr end) as scored_arr,
        sum(score_weight) as total_weight,
        sum(score_weight * health_score) as weighted_score_sum,
        sum(score_weight * case when health_score is not null then coverage end) as weighted_coverage_sum,
        avg(health_score) as mean_score,
        avg(case when health_score is not null then coverage end) as mean_coverage,
        min(health_score) as lowest_score,
        min(case when health_score is not null then coverage end) as lowest_coverage,
        {{ first_three_joined(
            "case when is_ranked and member_rank = {rank} then " ~ dbt.concat([
                "member_account_name", "' ('", "member_account_id", "'): '",
                "cast(cast(floor(health_score * 10) / 10 as decimal(10, 1)) as " ~ dbt.type_string() ~ ")",
                "' '", "coalesce(health_band, 'no band')"
            ]) ~ " end", "'; '") }} as worst_members,
        max(case when is_ranked and member_rank = 1 then member_account_id end) as worst_member_account_id,
        max(case when is_ranked and member_rank = 1 then health_score end) as worst_member_health_score,
        max(case when is_ranked and member_rank = 1 then health_band end) as worst_member_health_band
    from ranked
    group by parent_account_id, as_of_date

),

band_counts as (

    select
        rolled_up.parent_account_id,
        rolled_up.as_of_date,
        bands.health_band,
        bands.band_rank,
        sum(case when ranked.health_band = bands.health_band then 1 else 0 end) as band_members
    from rolled_up
    cross join bands
    left join ranked
        on rolled_up.parent_account_id = ranked.parent_account_id
        and rolled_up.as_of_date = ranked.as_of_date
    group by rolled_up.parent_account_id, rolled_up.as_of_date, bands.health_band, bands.band_rank

),

band_texts as (

    select
        parent_account_id,
        as_of_date,
        {{ ordered_listagg(
            dbt.concat(["health_band", "' '", "cast(band_members as " ~ dbt.type_string() ~ ")"]),
            "', '",
            'band_rank'
        ) }} as members_per_band
    from band_counts
    group by parent_account_id, as_of_date

),

methods as (

    select
        rolled_up.*,
        case
            when '{{ method }}' <> 'arr_weighted' then '{{ method }}'
            when rolled_up.total_weight > 0 or rolled_up.members_scored = 0 then 'arr_weighted'
            else 'mean_without_arr'
        end as rollup_method
    from rolled_up

),

scored as (

    select
        methods.*,
        parents.descendants + methods.is_parent_scored as members,
        parents.hierarchy_issue,
        {{ round_to(
            "case methods.rollup_method"
            ~ " when 'arr_weighted' then methods.weighted_score_sum / nullif(methods.total_weight, 0)"
            ~ " when 'min' then methods.lowest_score"
            ~ " else methods.mean_score end"
        ) }} as health_score,
        {{ round_to(
            "case methods.rollup_method"
            ~ " when 'arr_weighted' then methods.weighted_coverage_sum / nullif(methods.total_weight, 0)"
            ~ " when 'min' then methods.lowest_coverage"
            ~ " else methods.mean_coverage end"
        ) }} as coverage
    from methods
    inner join parents
        on methods.parent_account_id = parents.parent_account_id

),

banded as (

    select
        scored.*,
        bands.health_band,
        bands.band_action
    from scored
    left join bands
        on {{ score_in_band('scored.health_score', 'bands') }}

),

final as (

    select
        cast(banded.parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(parent_accounts.account_name as {{ dbt.type_string() }}) as parent_account_name,
        cast(banded.as_of_date as date) as as_of_date,
        cast(banded.as_of_date = {{ as_of_date() }} as {{ dbt.type_boolean() }}) as is_current,
        cast(banded.rollup_method as {{ dbt.type_string() }}) as rollup_method,
        cast(banded.health_score as {{ type_double() }}) as health_score,
        cast(banded.health_band as {{ dbt.type_string() }}) as health_band,
        cast(banded.band_action as {{ dbt.type_string() }}) as band_action,
        cast(banded.coverage as {{ type_double() }}) as coverage,
        cast(
            case when banded.members_scored > 0 then 'scored' else 'no_scored_member' end
            as {{ dbt.type_string() }}
        ) as score_status,
        cast(
            case
                when banded.members_scored = 0 then {{ dbt.concat([
                    "'none of its '",
                    "cast(banded.members as " ~ dbt.type_string() ~ ")",
                    "' member accounts has a score on this date'"
                ]) }}
            end as {{ dbt.type_string() }}
        ) as score_null_reason,
        cast(banded.members as {{ dbt.type_int() }}) as members,
        cast(banded.members_scored as {{ dbt.type_int() }}) as members_scored,
        cast(banded.is_parent_scored = 1 as {{ dbt.type_boolean() }}) as is_parent_scored,
        cast(band_texts.members_per_band as {{ dbt.type_string() }}) as members_per_band,
        cast(banded.worst_band_members as {{ dbt.type_int() }}) as worst_band_members,
        cast(banded.total_arr as {{ contract_sql_type('decimal') }}) as total_arr,
        cast(
            case when banded.total_arr > 0 then {{ round_to('coalesce(banded.scored_arr, 0) / banded.total_arr') }} end
            as {{ type_double() }}
        ) as scored_arr_share,
        cast(banded.worst_members as {{ dbt.type_string() }}) as worst_members,
        cast(banded.worst_member_account_id as {{ dbt.type_string() }}) as worst_member_account_id,
        cast(banded.worst_member_health_score as {{ type_double() }}) as worst_member_health_score,
        cast(banded.worst_member_health_band as {{ dbt.type_string() }}) as worst_member_health_band,
        cast(banded.hierarchy_issue as {{ dbt.type_string() }}) as hierarchy_issue
    from banded
    inner join accounts as parent_accounts
        on banded.parent_account_id = parent_accounts.account_id
    left join band_texts
        on banded.parent_account_id = band_texts.parent_account_id
        and banded.as_of_date = band_texts.as_of_date

)

select * from final
