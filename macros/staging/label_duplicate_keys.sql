{#- Final step of a validation view: among rows sharing a primary key, the first valid one
    (ordered by `order_by`, then by the raw record) is kept and the others are labelled
    duplicate_key. Returns a select over `relation`, which must carry the contract columns,
    record_text and rule_broken (the first rule the row breaks, or null). -#}
{% macro label_duplicate_keys(source_name, table_name, relation, order_by) -%}
    {%- set key = contract_table(table_name)['primary_key'] -%}
    select
        {{ contract_column_list(source_name, table_name, 'ranked') }},
        ranked.record_text,
        case
            when ranked.rule_broken is not null then ranked.rule_broken
            when ranked.key_occurrence > 1 then 'duplicate_key'
        end as quarantine_reason
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ relation }}.{{ key }}
                order by
                    case when {{ relation }}.rule_broken is null then 0 else 1 end,
                    {{ order_by }},
                    {{ relation }}.record_text
            ) as key_occurrence
        from {{ relation }}
    ) as ranked
{%- endmacro %}
