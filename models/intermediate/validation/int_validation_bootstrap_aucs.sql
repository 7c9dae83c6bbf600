{#-
    ROC AUC of every validation group (subject, segment group, lead time) on Poisson-bootstrap
    replicates of its renewals: healthscore_bootstrap_replicates for the health score,
    healthscore_bootstrap_replicates_signals for each single signal. Risk values (0-100) are
    binned to whole points (a third of the cells 0.1-point bins give, for intervals that differ
    in the third decimal) by summing the risk cells of int_validation_risk_cells; each (bin,
    outcome) cell of n observations gets a Poisson(n) weight per replicate, drawn from a hash of
    the cell and replicate (deterministic).
    Replicate 0 is the binned sample itself, unweighted: score_validation centres the interval
    on the exact AUC with the replicates' deviations from it, so binning cannot shift it.
-#}

{%- set score_replicates = var('healthscore_bootstrap_replicates') | int -%}
{%- set signal_replicates = var('healthscore_bootstrap_replicates_signals') | int -%}

with

cells as (

    select
        subject,
        segment_group,
        lead_days,
        {{ round_to('risk_value', 0) }} as risk_bin,
        cast(sum(churned) as {{ dbt.type_bigint() }}) as churned,
        cast(sum(renewed) as {{ dbt.type_bigint() }}) as renewed
    from {{ ref('int_validation_risk_cells') }}
    group by subject, segment_group, lead_days, {{ round_to('risk_value', 0) }}

),

-- Integer keys keep the per-replicate work cheap: a group id, and the bin's position on a
-- 0.1-point grid (0 .. 1000; whole-point bins use every tenth position).
numbered_cells as (

    select
        dense_rank() over (order by subject, segment_group, lead_days) as group_id,
        cast(round(risk_bin * 10) as {{ dbt.type_bigint() }}) as bin_index,
        case when subject = 'health_score' then {{ score_replicates }} else {{ signal_replicates }} end as replicates,
        churned,
        renewed
    from cells

),

groups as (

    select distinct
        dense_rank() over (order by subject, segment_group, lead_days) as group_id,
        subject,
        segment_group,
        lead_days
    from cells

),

replicates as (

    select day_offsets.day_offset as replicate
    from ({{ day_offsets(4) }}) as day_offsets
    where day_offsets.day_offset <= {{ [score_replicates, signal_replicates] | max }}

),

draws as (

    select
        numbered_cells.group_id,
        numbered_cells.bin_index,
        numbered_cells.churned,
        numbered_cells.renewed,
        replicates.replicate,
        (numbered_cells.group_id * 1001 + numbered_cells.bin_index) * 100000 + replicates.replicate as cell_key
    from numbered_cells
    inner join replicates
        on replicates.replicate <= numbered_cells.replicates

),

-- The four uniforms of a cell and replicate, computed once here: the Poisson draws below
-- compare them with up to 35 thresholds each.
uniforms as (

    select
        group_id,
        bin_index,
        churned,
        renewed,
        replicate,
        {{ pseudo_random('cell_key', 1) }} as uniform_1,
        {{ pseudo_random('cell_key', 2) }} as uniform_2,
        {{ pseudo_random('cell_key', 3) }} as uniform_3,
        {{ pseudo_random('cell_key', 4) }} as uniform_4
    from draws

),

weighted as (

    select
        group_id,
        bin_index,
        replicate,
        case when replicate = 0 then churned
            else {{ poisson_draw('churned', 'uniform_1', 'uniform_2') }}
        end as churned_weight,
        case when replicate = 0 then renewed
            else {{ poisson_draw('renewed', 'uniform_3', 'uniform_4') }}
        end as renewed_weight
    from uniforms

),

ranked as (

    select
        group_id,
        replicate,
        churned_weight,
        renewed_weight,
        coalesce(sum(renewed_weight) over (
            partition by group_id, replicate
            order by bin_index
            rows between unbounded preceding and 1 preceding
        ), 0) as renewed_weight_below
    from weighted

),

aucs as (

    select
        group_id,
        replicate,
        sum(churned_weight * (renewed_weight_below + 0.5 * renewed_weight))
        / nullif(sum(churned_weight) * sum(renewed_weight), 0) as auc
    from ranked
    group by group_id, replicate

),

final as (

    select
        groups.subject,
        groups.segment_group,
        groups.lead_days,
        aucs.replicate,
        aucs.auc
    from aucs
    inner join groups
        on aucs.group_id = groups.group_id

)

select * from final
