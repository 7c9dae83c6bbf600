{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'salesforce')) }}

{#-
    crm_opportunities from Salesforce's opportunity (docs/mappings.md#salesforce). Deleted
    opportunities (is_deleted) are left out. The opportunity_type comes from the Type picklist
    through the var healthscore_salesforce_opportunity_types (the picklist value in lower case:
    the contract type; macro salesforce_opportunity_types for the default); a value it does not
    name is passed on in lower case, so staging quarantines the row as invalid_opportunity_type
    with the value in it, and an empty Type as missing_opportunity_type.
-#}

{%- set types = var('healthscore_salesforce_opportunity_types', none) or salesforce_opportunity_types() -%}

with

opportunity as (

    select * from {{ connector_table('salesforce', 'opportunity', {
        'id': 'string', 'account_id': 'string', 'type': 'string', 'amount': 'numeric',
        'created_date': 'timestamp', 'close_date': 'timestamp', 'is_closed': 'boolean',
        'is_won': 'boolean', 'is_deleted': 'boolean',
    }, required=true) }} as opportunity

),

final as (

    select
        opportunity.id as opportunity_id,
        opportunity.account_id,
        case lower(trim(opportunity.type))
            {%- for picklist_value, contract_type in types.items() %}
            when '{{ picklist_value | lower | replace("'", "''") }}' then '{{ contract_type }}'
            {%- endfor %}
            else lower(trim(opportunity.type))
        end as opportunity_type,
        opportunity.amount,
        opportunity.created_date as created_at,
        cast(opportunity.close_date as date) as close_date,
        opportunity.is_closed,
        opportunity.is_won
    from opportunity
    where not coalesce(opportunity.is_deleted, false)

)

select * from final
