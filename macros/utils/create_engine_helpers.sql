{#-
    Helpers some engines need before the models run (on-run-start). PostgreSQL has no try_cast:
    healthscore_util.try_timestamp(text) returns null where a cast would fail (2025-02-31,
    'not a date'), reading an explicit offset (Z, +02:00) and treating a naive timestamp as UTC.
-#}
{% macro create_engine_helpers() -%}
    {{ return(adapter.dispatch('create_engine_helpers', 'healthscore')()) }}
{%- endmacro %}

{% macro default__create_engine_helpers() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_engine_helpers() -%}
    create schema if not exists healthscore_util;
    create or replace function healthscore_util.try_timestamp(value text)
    returns timestamp
    language plpgsql
    immutable
    as $function$
    begin
        if value ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' then
            return (value::timestamptz at time zone 'UTC');
        end if;
        return value::timestamp;
    exception when others then
        return null;
    end
    $function$;
{%- endmacro %}
