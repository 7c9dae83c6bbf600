{#-
    The dates int_account_health_history keeps as they were published although its usual
    window would recompute them: dates whose stored rows were scored under another scoring
    configuration (config_fingerprint). The published history is not rewritten by a change of
    configuration; only the run's as-of date and a backfill range (healthscore_rebuild_from /
    healthscore_rebuild_to) are republished under the current one. No date outside an
    incremental run (a first build or a full refresh publishes every date).
-#}
{% macro dates_published_under_another_configuration() -%}
    {%- if not is_incremental() -%}
    select cast(null as date) as as_of_date where 1 = 0
    {%- else -%}
    select distinct published.as_of_date
    from {{ this }} as published
    where published.config_fingerprint <> '{{ scoring_config_fingerprint() }}'
        and published.as_of_date <> {{ as_of_date() }}
        {%- if var('healthscore_rebuild_from', none) %}
        and published.as_of_date not between cast('{{ var("healthscore_rebuild_from") }}' as date)
            and cast('{{ var("healthscore_rebuild_to", var("healthscore_rebuild_from")) }}' as date)
        {%- endif %}
    {%- endif %}
{%- endmacro %}
