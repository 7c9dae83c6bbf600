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
