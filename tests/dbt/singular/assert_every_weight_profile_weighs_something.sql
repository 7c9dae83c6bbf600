-- Rule: every weight profile, and the required 'default' profile, gives at least one signal a
-- positive weight; otherwise every account on it would be unscorable.
with

profiles as (

    select
        weight_profile,
        sum(weight) as total_weight
    from {{ ref('weight_profiles') }}
    group by weight_profile

),

required as (

    select 'default' as weight_profile

)

select
    required.weight_profile,
    profiles.total_weight
from required
left join profiles
    on required.weight_profile = profiles.weight_profile
where profiles.total_weight is null

union all

select
    profiles.weight_profile,
    profiles.total_weight
from profiles
where profiles.total_weight <= 0
