{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=false,
    )
}}

{#-
    The record of scoring configurations: a row each time a run scores under another
    configuration than the last one recorded (the first run, an edited scoring seed or
    healthscore_min_coverage, a return to an earlier configuration), with its fingerprint, each
    scoring seed's checksum, the seeds that differ from the previous configuration, when it was
    first used and the as-of date of that run. Append-only, and kept by --full-refresh
    (full_refresh=false): it is the memory of which configuration was current when. The alert
    log reads it so that a rescore raises no backdated alerts (int_health_alert_events); a run
    says which seeds changed from it (orchestration/runtime/scoring_config.py).
-#}

{%- set checksums = scoring_config_seed_checksums() %}

with

current_configuration as (

    select
        cast('{{ scoring_config_fingerprint() }}' as {{ dbt.type_string() }}) as config_fingerprint,
        {%- for seed, checksum in checksums.items() %}
        cast('{{ checksum }}' as {{ dbt.type_string() }}) as {{ seed }}_checksum,
        {%- endfor %}
        cast({{ var('healthscore_min_coverage') | float }} as {{ type_double() }}) as min_coverage,
        {{ written_by_this_run() }} as first_used_at,
        cast({{ as_of_date() }} as date) as first_as_of_date

),

{%- if is_incremental() %}

latest_recorded as (

    select
        recorded.config_fingerprint,
        {%- for seed in checksums %}
        recorded.{{ seed }}_checksum,
        {%- endfor %}
        recorded.min_coverage
    from {{ this }} as recorded
    where recorded.first_used_at = (select max(first_used_at) from {{ this }})

),
{%- else %}

latest_recorded as (

    select
        cast(null as {{ dbt.type_string() }}) as config_fingerprint,
        {%- for seed in checksums %}
        cast(null as {{ dbt.type_string() }}) as {{ seed }}_checksum,
        {%- endfor %}
        cast(null as {{ type_double() }}) as min_coverage
    where 1 = 0

),
{%- endif %}

final as (

    select
        current_configuration.config_fingerprint,
        {%- for seed in checksums %}
        current_configuration.{{ seed }}_checksum,
        {%- endfor %}
        current_configuration.min_coverage,
        current_configuration.first_used_at,
        current_configuration.first_as_of_date,
        latest_recorded.config_fingerprint as previous_config_fingerprint,
        {#- The files (and variable) that differ from the previous configuration, e.g.
            'weight_profiles.csv'; null for the first configuration recorded. #}
        {%- set differences = [] %}
        {%- for seed in checksums %}
        {%- do differences.append(
            "case when latest_recorded." ~ seed ~ "_checksum <> current_configuration." ~ seed
            ~ "_checksum then ', " ~ seed ~ ".csv' else '' end") %}
        {%- endfor %}
        {%- do differences.append(
            "case when latest_recorded.min_coverage <> current_configuration.min_coverage"
            ~ " then ', healthscore_min_coverage' else '' end") %}
        case
            when latest_recorded.config_fingerprint is not null
                then substr({{ dbt.concat(differences) }}, 3)
        end as changed_inputs
    from current_configuration
    left join latest_recorded
        on 1 = 1
    where latest_recorded.config_fingerprint is null
        or latest_recorded.config_fingerprint <> current_configuration.config_fingerprint

)

select * from final
