{#-
    The validation observations counted once, per subject, segment group, lead time and risk
    value (a "risk cell"): churned and renewed renewals, and the pieces of the Brier score on
    held-out renewals (their number and summed squared error). The exact AUC, the top decile's
    cells, the band churn rates and the bootstrap's bins are all sums over these cells, so the
    models that compute them read this table (about 360,000 rows for 10,000 accounts) instead
    of each aggregating the observations view (4.8 million rows) again; the top decile's cut
    (int_validation_metrics) and renewal_probability_calibration still read the view.
    The band is a function of the score, so a cell has one band; the grain test on (subject,
    segment_group, lead_days, risk_value) would fail if it had two.
-#}

with

observations as (

    select
        subject,
        subject_type,
        segment_group,
        lead_days,
        risk_value,
        band,
        band_rank,
        is_churned,
        case when is_held_out and renewal_probability is not null then 1 else 0 end as is_brier_row,
        case when is_held_out and renewal_probability is not null then
                (renewal_probability - (1 - is_churned)) * (renewal_probability - (1 - is_churned))
        end as brier_error
    from {{ ref('int_validation_observations') }}

),

final as (

    select
        cast(subject as {{ dbt.type_string() }}) as subject,
        cast(subject_type as {{ dbt.type_string() }}) as subject_type,
        cast(segment_group as {{ dbt.type_string() }}) as segment_group,
        cast(lead_days as {{ dbt.type_int() }}) as lead_days,
        risk_value,
        cast(band as {{ dbt.type_string() }}) as band,
        cast(band_rank as {{ dbt.type_int() }}) as band_rank,
        cast(sum(is_churned) as {{ dbt.type_bigint() }}) as churned,
        cast(count(*) - sum(is_churned) as {{ dbt.type_bigint() }}) as renewed,
        cast(sum(is_brier_row) as {{ dbt.type_bigint() }}) as brier_renewals,
        cast(sum(brier_error) as {{ type_double() }}) as brier_error_sum
    from observations
    group by subject, subject_type, segment_group, lead_days, risk_value, band, band_rank

)

select * from final
