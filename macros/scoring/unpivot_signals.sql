{#-
    Turns a wide relation (one row per account and as-of date, one column per measure) into the
    long signal rows every category model returns:
    account_id, as_of_date, is_cadence_date, signal, raw_value, has_data, missing_reason,
    latest_input_at, dbt_run_started_at (the run that wrote the row, see get_where_subquery.sql).
    `signals` is a list of dicts with keys signal (a name) or signal_expression (SQL giving the
    name, for signals named after data, e.g. an event name), raw_value and missing_reason (SQL
    expressions over `relation`); a signal has data exactly when its missing_reason is null,
    and its raw value is then never null. `latest_input_at` is the newest source timestamp the
    row used, which the leakage test compares with the as-of date.
-#}
{% macro unpivot_signals(relation, signals, latest_input_at) -%}
    {%- for item in signals %}
    select
        {{ relation }}.account_id,
        {{ relation }}.as_of_date,
        {{ relation }}.is_cadence_date,
        cast({{ item.get('signal_expression', "'" ~ item.signal ~ "'") }} as {{ dbt.type_string() }}) as signal,
        cast(case when ({{ item.missing_reason }}) is null then {{ item.raw_value }} end as {{ type_double() }}) as raw_value,
        ({{ item.missing_reason }}) is null as has_data,
        cast({{ item.missing_reason }} as {{ dbt.type_string() }}) as missing_reason,
        cast({{ item.get('latest_input_at', latest_input_at) }} as {{ dbt.type_timestamp() }}) as latest_input_at,
        {{ written_by_this_run() }} as dbt_run_started_at
    from {{ relation }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}
