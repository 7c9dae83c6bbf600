{#-
    product_events is the one raw table too large to validate whole on every run, so it has no
    validation view: stg_product__events (the valid rows) and int_product_events_quarantined
    (the others) each validate only the raw rows of their incremental window, with the macros
    below, and filter the window on the raw text before anything is parsed.
-#}

{#- Raw product_events (text columns) from the day `first_day` (YYYY-MM-DD) on, as a
    parenthesised subquery: the rows whose timestamp text starts with a date on or after it,
    and every row whose text does not start with a date (validation quarantines or trims
    them); every row when `first_day` is none. The test is on the text itself, without parsing
    or trimming, so that finding a window in 50 million rows costs about one scan. Written out
    at each use (not a CTE) so that no engine materialises the whole raw table. -#}
{% macro raw_product_events_from(first_day=none) -%}
    (
        select raw_events.*
        from {{ ref('base_product__events') }} as raw_events
        {%- if first_day is not none %}
        where raw_events.occurred_at >= '{{ first_day }}'
            or raw_events.occurred_at is null
            or raw_events.occurred_at not like '____-__-__%'
        {%- endif %}
    )
{%- endmacro %}


{#- The raw rows of an incremental window from the day `first_day` on, read from the raw table
    once and kept, because the events models read them several times (the duplicate search,
    the validation, the ranking of copies): window_raw_rows_cte(day) opens a model's with-clause
    with the CTE window_raw_rows, and window_raw_rows(day) names what to read the rows from.
    A window from before 1900-01-02 (an empty stage, or the stage rebuilt from scratch without
    the quarantine) is the whole raw table: it is not kept (no CTE, which DuckDB would
    materialise anyway), and each use reads the raw table, as a full build does. -#}
{% macro window_raw_rows_cte(first_day) -%}
    {%- if first_day > '1900-01-01' -%}
window_raw_rows as {{ materialized_cte() }} (

    select window_rows.* from {{ raw_product_events_from(first_day) }} as window_rows

),
    {%- endif -%}
{%- endmacro %}

{% macro window_raw_rows(first_day) -%}
    {{ return('window_raw_rows' if first_day > '1900-01-01' else raw_product_events_from(first_day)) }}
{%- endmacro %}


{#- The raw day a row is filed under by raw_product_events_from: the first ten characters of a
    timestamp text that starts with a date, or 'undated' (such rows are read by every run). -#}
{% macro raw_event_day(text_expression) -%}
    case
        when {{ text_expression }} like '____-__-__%' then left({{ text_expression }}, 10)
        else 'undated'
    end
{%- endmacro %}


{#-
    The rows of `raw_rows_sql` (a subquery of raw product_events text) typed, next to their raw
    text (`<column>__text`), with the first contract rule each breaks
    (quarantine_reason, null for a valid row): the generic contract rules, then unknown_account,
    negative_quantity and future_occurred_at. Duplicate event_ids are not ranked here, and the
    raw record (product_event_record) is only built where a model needs it, after filtering.
-#}
{% macro validated_product_events(raw_rows_sql) -%}
    (
        select
            typed.*,
            case
                {{ contract_rule_checks('product', 'product_events', 'typed') }}
                when known_accounts.account_id is null then 'unknown_account'
                when typed.quantity < 0 then 'negative_quantity'
                {{ contract_future_check('product', 'product_events', 'typed') }}
            end as quarantine_reason
        from (
            select
                {{ typed_contract_columns('product', 'product_events', 'raw_rows') }}
            from {{ raw_rows_sql }} as raw_rows
        ) as typed
        left join {{ ref('stg_crm__accounts') }} as known_accounts
            on typed.account_id = known_accounts.account_id
    )
{%- endmacro %}


{#- The raw record of a validated product event as column=value text (quarantined rows keep it;
    it breaks ties between copies of an event_id). -#}
{% macro product_event_record(alias) -%}
    {{ contract_record_text('product', 'product_events', alias, suffix='__text') }}
{%- endmacro %}


{#- A key for finding repeated event_ids cheaply: the trimmed event_id, or on DuckDB its 64-bit
    hash (grouping 50 million hashes is twice as fast as grouping the text). Rows whose key
    repeats are only candidates: they are ranked by the event_id itself, so a hash collision
    between two different event_ids keeps both. -#}
{% macro event_id_group_key(alias) -%}
    {{ return(adapter.dispatch('event_id_group_key', 'healthscore')(alias)) }}
{%- endmacro %}

{% macro default__event_id_group_key(alias) -%}
    {{ parse_text(alias ~ '.event_id', 'string') }}
{%- endmacro %}

{% macro duckdb__event_id_group_key(alias) -%}
    hash({{ parse_text(alias ~ '.event_id', 'string') }})
{%- endmacro %}


{#- The group keys (event_id_group_key) that occur more than once among `raw_rows_sql`, as a
    parenthesised subquery with one column, group_key. -#}
{% macro repeated_event_id_keys(raw_rows_sql) -%}
    (
        select {{ event_id_group_key('raw_rows') }} as group_key
        from {{ raw_rows_sql }} as raw_rows
        group by {{ event_id_group_key('raw_rows') }}
        having count(*) > 1
    )
{%- endmacro %}


{#- The rows of `raw_rows_sql` whose group key repeats (candidate duplicates), as a parenthesised
    subquery of raw text. `repeated_keys_sql` names a relation of those keys the model already
    has (so they are found once); by default they are found here. -#}
{% macro raw_rows_with_repeated_event_ids(raw_rows_sql, repeated_keys_sql=none) -%}
    (
        select candidate_rows.*
        from {{ raw_rows_sql }} as candidate_rows
        where {{ event_id_group_key('candidate_rows') }} in (
            select repeated.group_key
            from {{ repeated_keys_sql or repeated_event_id_keys(raw_rows_sql) }} as repeated
        )
    )
{%- endmacro %}


{#- The rank that decides which copy of a duplicated event_id is kept (1) and which are
    quarantined as duplicate_key: the latest occurred_at, then the raw record. -#}
{% macro event_copy_rank(alias) -%}
    row_number() over (
        partition by {{ alias }}.event_id
        order by {{ alias }}.occurred_at desc, {{ product_event_record(alias) }}
    )
{%- endmacro %}


{#- The newest value of the date column `column` in `relation` (YYYY-MM-DD text) plus `days`, or
    '1900-01-01' when the relation has no rows. Read with a query when the model runs, so that
    the window reaches the SQL as a constant an engine can filter a scan with. -#}
{% macro newest_date_plus(relation, column, days=0) -%}
    {%- if not execute -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set newest = run_query('select max(' ~ column ~ ') from ' ~ relation).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set newest_date = modules.datetime.date.fromisoformat((newest | string)[:10]) -%}
    {{ return((newest_date + modules.datetime.timedelta(days=days)).isoformat()) }}
{%- endmacro %}


{#- The first day (YYYY-MM-DD) of the window stg_product__events validated in its latest run
    (the window_start of its newest rows; 1900-01-01 after a full refresh). Models that must
    validate the same raw days read it after the stage has run. -#}
{% macro window_start_of_events() -%}
    {{ return(newest_date_plus(ref('stg_product__events'), 'window_start')) }}
{%- endmacro %}
