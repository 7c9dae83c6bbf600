{#-
    Casts a text expression to a logical contract type, returning null where the text does not
    parse (instead of failing the whole build). Staging compares the result with the text to
    quarantine unparseable values with their reason.
    logical_type: string | timestamp | date | integer | decimal | boolean
    Timestamps with an offset (2024-01-01T10:00:00+02:00, ...Z) are converted to UTC.
    Missing values: empty or blank text and the null tokens (null_tokens: NULL, N/A, #N/A,
    None, in any case, padded with spaces or not) are null in every type, so an optional column
    holding one is empty, not unparseable. Booleans read y/n, yes/no, t/f, true/false and 1/0
    in any case (boolean_from_text).
-#}
{% macro parse_text(text_expression, logical_type) -%}
    {{ return(adapter.dispatch('parse_text', 'healthscore')(text_expression, logical_type)) }}
{%- endmacro %}

{% macro default__parse_text(text_expression, logical_type) -%}
    {%- set value = healthscore.null_token_to_null("nullif(trim(" ~ text_expression ~ "), '')") -%}
    {%- if logical_type == 'string' -%}
        {{ value }}
    {%- elif logical_type == 'timestamp' -%}
        cast(try_cast({{ value }} as timestamp) as {{ dbt.type_timestamp() }})
    {%- elif logical_type == 'boolean' -%}
        {{ healthscore.boolean_from_text(value) }}
    {%- else -%}
        try_cast({{ value }} as {{ contract_sql_type(logical_type) }})
    {%- endif -%}
{%- endmacro %}

{#- On DuckDB, the two costly steps are skipped where they cannot change the result, which
    makes parsing 50 million timestamps four times faster: trim (which removes spaces only)
    runs only on text that starts or ends with a space, and text ending in a zero offset
    ('+00', 'Z', not after a space, which only the direct cast accepts) is cast directly,
    without the time-zone-aware parse. -#}
{% macro duckdb__parse_text(text_expression, logical_type) -%}
    {%- set value = healthscore.null_token_to_null("nullif(" ~ healthscore.duckdb_trim_spaces(text_expression) ~ ", '')") -%}
    {%- if logical_type == 'string' -%}
        {{ value }}
    {%- elif logical_type == 'timestamp' -%}
        {#- Parse with its offset, then express in UTC as a naive timestamp. -#}
        case
            when (suffix({{ text_expression }}, '+00') or suffix({{ text_expression }}, 'Z'))
                and not (suffix({{ text_expression }}, ' +00') or suffix({{ text_expression }}, ' Z'))
                then try_cast({{ text_expression }} as timestamp)
            else cast(timezone('UTC', try_cast({{ value }} as timestamptz)) as timestamp)
        end
    {%- elif logical_type == 'integer' -%}
        case when regexp_full_match({{ value }}, '[+-]?[0-9]+(\.0+)?')
            then try_cast(try_cast({{ value }} as double) as bigint) end
    {%- elif logical_type == 'boolean' -%}
        {{ healthscore.boolean_from_text(value) }}
    {%- else -%}
        try_cast({{ value }} as {{ contract_sql_type(logical_type) }})
    {%- endif -%}
{%- endmacro %}

{% macro postgres__parse_text(text_expression, logical_type) -%}
    {%- set value = healthscore.null_token_to_null("nullif(trim(" ~ text_expression ~ "), '')") -%}
    {%- if logical_type == 'string' -%}
        {{ value }}
    {%- elif logical_type == 'timestamp' -%}
        {{ healthscore.postgres_try_timestamp(value) }}
    {%- elif logical_type == 'date' -%}
        case when {{ value }} ~ '^\d{4}-\d{2}-\d{2}$'
            then cast({{ healthscore.postgres_try_timestamp(value) }} as date) end
    {%- elif logical_type == 'integer' -%}
        case when {{ value }} ~ '^[+-]?[0-9]+(\.0+)?$' then cast(cast({{ value }} as numeric) as bigint) end
    {%- elif logical_type == 'decimal' -%}
        case when {{ value }} ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$'
            then cast({{ value }} as {{ contract_sql_type('decimal') }}) end
    {%- elif logical_type == 'boolean' -%}
        {{ healthscore.boolean_from_text(value) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__parse_text(text_expression, logical_type) -%}
    {%- set value = healthscore.null_token_to_null("nullif(trim(" ~ text_expression ~ "), '')") -%}
    {%- if logical_type == 'string' -%}
        {{ value }}
    {%- elif logical_type == 'timestamp' -%}
        try_cast({{ value }} as timestamp)
    {%- elif logical_type == 'integer' -%}
        case when {{ value }} rlike '^[+-]?[0-9]+(\\.0+)?$' then try_cast(try_cast({{ value }} as double) as bigint) end
    {%- elif logical_type == 'boolean' -%}
        {{ healthscore.boolean_from_text(value) }}
    {%- else -%}
        try_cast({{ value }} as {{ contract_sql_type(logical_type) }})
    {%- endif -%}
{%- endmacro %}
