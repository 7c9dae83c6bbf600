{#-
    The date that splits decided renewals into earlier ones (for fitting: weights, renewal
    probability) and later ones (held out to judge them): the renewal date of the
    healthscore_validation_train_share-th decided renewal in date order. Renewals on or before
    it are "train", after it "held out". One row; null split date when nothing is decided yet.
-#}

with

decided as (

    select
        renewal_id,
        renewal_date,
        row_number() over (order by renewal_date, renewal_id) as renewal_number,
        count(*) over () as renewals
    from {{ ref('renewal_outcomes') }}
    where outcome in ('renewed', 'churned')
        and is_settled

),

final as (

    select
        max(case
            when renewal_number <= {{ var('healthscore_validation_train_share') }} * renewals then renewal_date
        end) as split_date,
        count(*) as decided_renewals
    from decided

)

select * from final
