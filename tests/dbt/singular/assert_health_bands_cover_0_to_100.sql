-- Rule: the health_bands seed covers every score from 0 to 100 exactly once: the bands,
-- ordered by min_score, start at 0, end at 100, and each starts where the previous ends.
with

bands as (

    select
        health_band,
        min_score,
        max_score,
        lag(max_score) over (order by min_score) as previous_max_score,
        row_number() over (order by min_score) as band_number,
        count(*) over () as band_count
    from {{ ref('health_bands') }}

)

select *
from bands
where (band_number = 1 and min_score <> 0)
    or (band_number = band_count and max_score <> 100)
    or (band_number > 1 and min_score <> previous_max_score)
    or max_score <= min_score
