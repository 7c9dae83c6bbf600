{#- Is the renewal probability calibrated? On renewals after the validation split, scored with
    the curve fitted before it: per segment (and 'all'), lead time and decile of predicted
    probability, the mean predicted probability against the observed renewal rate. -#}

with

observations as (

    select
        segment_group,
        lead_days,
        renewal_id,
        is_churned,
        renewal_probability
    from {{ ref('int_validation_observations') }}
    where subject = 'health_score'
        and is_held_out
        and renewal_probability is not null

),

deciles as (

    select
        segment_group,
        lead_days,
        is_churned,
        renewal_probability,
        ntile(10) over (
            partition by segment_group, lead_days
            order by renewal_probability, renewal_id
        ) as probability_decile
    from observations

),

final as (

    select
        cast(segment_group as {{ dbt.type_string() }}) as segment_group,
        cast(lead_days as {{ dbt.type_int() }}) as lead_days,
        cast(probability_decile as {{ dbt.type_int() }}) as probability_decile,
        cast(count(*) as {{ dbt.type_bigint() }}) as renewals,
        cast(avg(renewal_probability) as {{ type_double() }}) as mean_predicted_renewal_probability,
        cast(1.0 - avg({{ as_double('is_churned') }}) as {{ type_double() }}) as observed_renewal_rate
    from deciles
    group by segment_group, lead_days, probability_decile

)

select * from final
