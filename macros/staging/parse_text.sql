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

{#- The text exports write for a missing value, lower-cased (raw text is compared in lower
    case, after trimming). Empty text is null already. -#}
{% macro null_tokens() -%}
    {{ return(['null', 'n/a', '#n/a', 'none']) }}
{%- endmacro %}

{#- `value` (trimmed text, null when empty) with the null tokens made null. On DuckDB only
    text of at most four bytes is lower-cased and compared (strlen reads the stored length), so
    the check costs next to nothing on 50 million timestamps. -#}
{% macro null_token_to_null(value) -%}
    {{ return(adapter.dispatch('null_token_to_null', 'healthscore')(value)) }}
{%- endmacro %}

{% macro default__null_token_to_null(value) -%}
    case when lower({{ value }}) in ('{{ null_tokens() | join("', '") }}') then null else {{ value }} end
{%- endmacro %}

{% macro duckdb__null_token_to_null(value) -%}
    case when strlen({{ value }}) <= 4 and lower({{ value }}) in ('{{ null_tokens() | join("', '") }}') then null else {{ value }} end
{%- endmacro %}

{#- A boolean from trimmed text: y/yes/t/true/1 and n/no/f/false/0 in any case; null otherwise
    (staging then quarantines non-empty text as unparseable). -#}
{% macro boolean_from_text(value) -%}
    case lower({{ value }})
            when 'true' then true when 't' then true when 'yes' then true when 'y' then true when '1' then true
            when 'false' then false when 'f' then false when 'no' then false when 'n' then false when '0' then false
        end
{%- endmacro %}

{#- trim(text) on DuckDB, skipped (a string test instead of a copy) for text that neither
    starts nor ends with a space. -#}
{% macro duckdb_trim_spaces(text_expression) -%}
    if(prefix({{ text_expression }}, ' ') or suffix({{ text_expression }}, ' '), trim({{ text_expression }}), {{ text_expression }})
{%- endmacro %}

{#- PostgreSQL has no try_cast: healthscore_util.try_timestamp (macro create_engine_helpers,
    run on-run-start) returns null for text that is no timestamp. -#}
{% macro postgres_try_timestamp(value) -%}
    healthscore_util.try_timestamp({{ value }})
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


{#- The SQL type a logical contract type is stored as after staging. -#}
{% macro contract_sql_type(logical_type) -%}
    {%- if logical_type == 'string' -%} {{ dbt.type_string() }}
    {%- elif logical_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- elif logical_type == 'date' -%} date
    {%- elif logical_type == 'integer' -%} {{ dbt.type_bigint() }}
    {%- elif logical_type == 'decimal' -%} decimal(18, 4)
    {%- elif logical_type == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- else -%} {{ exceptions.raise_compiler_error("Unknown logical type " ~ logical_type) }}
    {%- endif -%}
{%- endmacro %}
