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
