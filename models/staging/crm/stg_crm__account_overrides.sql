{#-
    Valid manual overrides, one row per override_id: an account's band and/or score set by the
    customer team from starts_on (included) to expires_on (excluded), with its reason and author
    (docs/overrides.md). override_band is lower-cased like the health_bands seed. Empty when
    the optional landing table is absent.
-#}

with

validated as (

    select * from {{ ref('base_crm__account_overrides_validated') }}
    where quarantine_reason is null

),

final as (

    select
        validated.override_id,
        validated.account_id,
        lower(validated.override_band) as override_band,
        cast(validated.override_score as {{ type_double() }}) as override_score,
        validated.reason,
        validated.author,
        validated.starts_on,
        validated.expires_on,
        validated.created_at
    from validated

)

select * from final
