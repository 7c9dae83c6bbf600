{#- What links a Stripe customer to the CRM's account_id, from the var
    healthscore_stripe_account_id (docs/mappings.md): `metadata.<key>` (the default,
    `metadata.account_id`) reads that key of the customer's metadata object; any other value is
    a column of Stripe's customer table (e.g. `id`, `description`, `email`) or an SQL expression
    on its columns (the table aliased `customer`). Returns the `expressions` entry for
    connector_table, or, for a metadata key, the column to read and the key. -#}
{% macro stripe_customer_account_id() -%}
    {%- set setting = (var('healthscore_stripe_account_id', 'metadata.account_id') | string | trim) -%}
    {%- if setting.startswith('metadata.') -%}
        {{ return({'metadata_key': setting[9:], 'expression': none}) }}
    {%- endif -%}
    {{ return({'metadata_key': none, 'expression': setting}) }}
{%- endmacro %}
