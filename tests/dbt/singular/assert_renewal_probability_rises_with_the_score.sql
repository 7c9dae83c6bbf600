-- Rule: within a segment, the renewal probability never falls as the health score rises
-- (the calibration curve is monotone). Compares each current score with the next higher one.
with

ordered as (

    select
        segment,
        health_score,
        renewal_probability,
        lead(renewal_probability) over (
            partition by segment
            order by health_score, renewal_probability
        ) as next_probability
    from {{ ref('account_health') }}
    where health_score is not null
        and renewal_probability is not null

)

select *
from ordered
where next_probability < renewal_probability - 1e-12
