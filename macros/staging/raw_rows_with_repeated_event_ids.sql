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
