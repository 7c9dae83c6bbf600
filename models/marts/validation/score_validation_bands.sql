{#- Churn rate per band of past scores, per subject, segment (and 'all') and lead time, summed
    from the risk cells. Every band of the health_bands seed has a row, with zero renewals when
    none fell in it. -#}

with

cells as (

    select
        subject,
        subject_type,
        segment_group,
        lead_days,
        band,
        churned,
        renewed
    from {{ ref('int_validation_risk_cells') }}

),

bands as (

    select
        health_band,
        band_rank
    from {{ ref('health_bands') }}

),

groups as (

    select distinct
        subject,
        subject_type,
        segment_group,
        lead_days
    from cells

),

counts as (

    select
        subject,
        segment_group,
        lead_days,
        band,
        sum(churned + renewed) as renewals,
        sum(churned) as churns
    from cells
    group by subject, segment_group, lead_days, band

),

final as (

    select
        cast(groups.subject as {{ dbt.type_string() }}) as subject,
        cast(groups.subject_type as {{ dbt.type_string() }}) as subject_type,
        cast(groups.segment_group as {{ dbt.type_string() }}) as segment_group,
        cast(groups.lead_days as {{ dbt.type_int() }}) as lead_days,
        cast(bands.health_band as {{ dbt.type_string() }}) as health_band,
        cast(bands.band_rank as {{ dbt.type_int() }}) as band_rank,
        cast(coalesce(counts.renewals, 0) as {{ dbt.type_bigint() }}) as renewals,
        cast(coalesce(counts.churns, 0) as {{ dbt.type_bigint() }}) as churns,
        cast({{ as_double('counts.churns') }} / nullif(counts.renewals, 0) as {{ type_double() }}) as churn_rate
    from groups
    cross join bands
    left join counts
        on groups.subject = counts.subject
        and groups.segment_group = counts.segment_group
        and groups.lead_days = counts.lead_days
        and bands.health_band = counts.band

)

select * from final
