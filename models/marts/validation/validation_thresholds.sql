{#- The thresholds of the validation checks (the Dagster asset checks on the score mart), from the
    vars healthscore_check_* in dbt_project.yml: a --vars override reaches them. One row. -#}
select
    cast({{ var('healthscore_check_min_auc') }} as {{ type_double() }}) as min_auc,
    cast({{ var('healthscore_check_min_coverage') }} as {{ type_double() }}) as min_coverage,
    cast({{ var('healthscore_check_min_churns') }} as integer) as min_churns,
    cast({{ var('healthscore_check_min_band_renewals') }} as integer) as min_band_renewals
