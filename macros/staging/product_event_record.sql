{#- The raw record of a validated product event as column=value text (quarantined rows keep it;
    it breaks ties between copies of an event_id). -#}
{% macro product_event_record(alias) -%}
    {{ contract_record_text('product', 'product_events', alias, suffix='__text') }}
{%- endmacro %}
