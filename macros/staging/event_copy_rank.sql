{#- The rank that decides which copy of a duplicated event_id is kept (1) and which are
    quarantined as duplicate_key: the latest occurred_at, then the raw record. -#}
{% macro event_copy_rank(alias) -%}
    row_number() over (
        partition by {{ alias }}.event_id
        order by {{ alias }}.occurred_at desc, {{ product_event_record(alias) }}
    )
{%- endmacro %}
