{#-
    The source mappings (docs/mappings.md): per connector, the contract source it stands in for
    and the contract tables it provides, each from the model
    models/staging/mappings/<connector>/map_<connector>__<table>.sql. Read at parse time (a
    mapped table refs its mapping model, so the list must be known before the models are), by
    contract_mapping, contract_table_mapping, import_raw_table and source_table_status.
    A team adds its own connector with the var healthscore_custom_mappings, in the same shape:
    {my_crm: {source: crm, tables: [crm_accounts, crm_contacts]}}.
-#}
{% macro contract_mappings() -%}
{%- set mappings_yaml -%}
stripe:
  source: billing
  tables: [billing_subscriptions, billing_invoices]
zendesk:
  source: support
  tables: [support_tickets]
salesforce:
  source: crm
  tables: [crm_accounts, crm_contacts, crm_activities, crm_opportunities]
hubspot:
  source: crm
  tables: [crm_accounts, crm_contacts, crm_activities, crm_opportunities]
segment:
  source: product
  tables: [product_events, product_users]
{%- endset -%}
{%- set mappings = fromyaml(mappings_yaml) -%}
{%- do mappings.update(var('healthscore_custom_mappings', none) or {}) -%}
{{ return(mappings) }}
{%- endmacro %}
