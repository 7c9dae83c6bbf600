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
