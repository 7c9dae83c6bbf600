{#- The default reading of Salesforce's Opportunity Type picklist (docs/mappings.md#salesforce):
    value in lower case -> contract opportunity_type. Salesforce's own default values are "New
    Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement" and "Existing
    Customer - Downgrade"; a replacement or downgrade of a running contract is read as its
    renewal. The var healthscore_salesforce_opportunity_types replaces the whole mapping. -#}
{% macro salesforce_opportunity_types() -%}
    {{ return({
        'new customer': 'new_business',
        'new business': 'new_business',
        'new': 'new_business',
        'existing customer - upgrade': 'expansion',
        'upgrade': 'expansion',
        'upsell': 'expansion',
        'cross-sell': 'expansion',
        'add-on': 'expansion',
        'expansion': 'expansion',
        'existing customer - replacement': 'renewal',
        'existing customer - downgrade': 'renewal',
        'existing customer - renewal': 'renewal',
        'renewal': 'renewal',
    }) }}
{%- endmacro %}
