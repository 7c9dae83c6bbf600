{#-
    Incremental history. Every per-date model (signals, scores, contributions, the history marts)
    is incremental by as_of_date, and recomputes in a run only the dates this macro returns:
    - the cadence dates from the model's newest cadence date less healthscore_lookback_days (so
      rows that arrived a few days late are picked up), and every cadence date it lacks;
    - the run's as-of date and the date one cadence step before it (recomputed every run);
    - the cadence dates between healthscore_rebuild_from and healthscore_rebuild_to when set:
      a backfill of any past range (idempotent: a date's rows are replaced, never appended);
    - every date on a full refresh or a first build, and when rows were removed from a raw
      table since the last build (raw_rows_were_removed: the landing folder is the truth, so
      the history is recomputed without them; the pre-hook of incremental_by_date() then
      empties the model first);
    - every date when the model holds the computed view of every date and its rows were scored
      under another scoring configuration (scoring_config_changed: a scoring seed was edited),
      unless `with_rescore` is false (the dates a run would compute without the rescore).
    A model using it must carry is_cadence_date, and be configured by incremental_by_date().
    int_account_scoring_dates (accounts, terms and segments per date), which every per-date
    model reads, is incremental the same way, so a date computed by an earlier run keeps the
    terms and segments of that run: a full refresh of per-date models must include it
    (`dbt build --full-refresh --select int_account_scoring_dates+`, or the whole project), or
    they rebuild old dates from its stored rows (and lack any date it never computed).
-#}
{% macro dates_to_build(alias='window_dates', with_rescore=true) -%}
    {%- set every_date = raw_rows_were_removed() or (with_rescore and scoring_config_changed()) %}
    select {{ alias }}.as_of_date
    from {{ ref('int_scoring_dates') }} as {{ alias }}
    {%- if is_incremental() and not every_date %}
    where {{ alias }}.is_current_date
        or {{ alias }}.is_previous_period_date
        or ({{ alias }}.is_cadence_date and {{ alias }}.as_of_date >= (
            select {{ add_days('coalesce(max(existing.as_of_date), ' ~ dbt.cast("'1900-01-01'", 'date') ~ ')', -1 * var('healthscore_lookback_days')) }}
            from {{ this }} as existing
            where existing.is_cadence_date
        ))
        {%- if var('healthscore_rebuild_from', none) %}
        or ({{ alias }}.is_cadence_date and {{ alias }}.as_of_date
            between cast('{{ var("healthscore_rebuild_from") }}' as date)
            and cast('{{ var("healthscore_rebuild_to", var("healthscore_rebuild_from")) }}' as date))
        {%- endif %}
    {%- endif %}
{%- endmacro %}
