{#-
    crm_opportunities from Fivetran's HubSpot deals (docs/mappings.md, "HubSpot"): one per deal not
    deleted, in the account of its primary company (association type 5; else the lowest company
    id). opportunity_type: the deal type (dealtype, lower case) through
    var healthscore_hubspot_deal_types; a type the var does not name is passed on as it is, so
    staging quarantines it as invalid_opportunity_type (never guessed). is_closed is the deal
    stage's is_closed; a connection synced before Fivetran added that column has only
    closed_won, and then a stage is closed when it is closed-won or its probability is 0 or 1
    (HubSpot's closed-won stages have probability 1.0, closed-lost ones 0.0). is_won, once
    closed: closed_won where the table has it, else whether the probability is 1.
-#}
{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'hubspot')) }}

{%- set deal_types = var('healthscore_hubspot_deal_types', {
    'newbusiness': 'new_business', 'existingbusiness': 'renewal',
    'renewal': 'renewal', 'expansion': 'expansion', 'upsell': 'expansion',
}) -%}

with deal as (

    select * from {{ connector_table('hubspot', 'deal', {
        'deal_id': 'string', 'deal_pipeline_id': 'string', 'deal_pipeline_stage_id': 'string',
        'property_dealtype': 'string', 'property_amount': 'numeric',
        'property_createdate': 'timestamp', 'property_closedate': 'timestamp',
        'is_deleted': 'boolean', '_fivetran_deleted': 'boolean',
    }, required=true) }} as deal

),

deal_company as (

    select * from {{ connector_table('hubspot', 'deal_company', {
        'deal_id': 'string', 'company_id': 'string', 'type_id': 'integer',
    }, required=true) }} as deal_company

),

deal_pipeline_stage as (

    select * from {{ connector_table('hubspot', 'deal_pipeline_stage', {
        'stage_id': 'string', 'pipeline_id': 'string', 'is_closed': 'boolean',
        'closed_won': 'boolean', 'probability': 'numeric', '_fivetran_deleted': 'boolean',
    }, required=true) }} as deal_pipeline_stage

),

deal_companies as (

    select
        deal_id,
        coalesce(
            min(case when type_id = 5 then {{ mapping_id_text('company_id') }} end),
            min({{ mapping_id_text('company_id') }})
        ) as company_id
    from deal_company
    group by deal_id

),

live_stages as (

    select
        deal_pipeline_stage.stage_id,
        deal_pipeline_stage.pipeline_id,
        coalesce(
            deal_pipeline_stage.is_closed,
            deal_pipeline_stage.closed_won or deal_pipeline_stage.probability in (0, 1)
        ) as is_closed,
        coalesce(deal_pipeline_stage.closed_won, deal_pipeline_stage.probability >= 1) as is_won,
        deal_pipeline_stage.probability
    from deal_pipeline_stage
    where coalesce(deal_pipeline_stage._fivetran_deleted, false) = false

),

live_deals as (

    select
        deal.deal_id,
        deal.deal_pipeline_id,
        deal.deal_pipeline_stage_id,
        lower(trim(deal.property_dealtype)) as deal_type,
        deal.property_amount as amount,
        deal.property_createdate as created_at,
        cast(deal.property_closedate as date) as close_date
    from deal
    where
        coalesce(deal.is_deleted, false) = false
        and coalesce(deal._fivetran_deleted, false) = false

),

final as (

    select
        {{ mapping_id_text('live_deals.deal_id') }} as opportunity_id,
        deal_companies.company_id as account_id,
        case live_deals.deal_type
            {%- for deal_type, opportunity_type in deal_types.items() %}
            when '{{ deal_type | lower }}' then '{{ opportunity_type }}'
            {%- endfor %}
            else live_deals.deal_type
        end as opportunity_type,
        live_deals.amount,
        live_deals.created_at,
        live_deals.close_date,
        live_stages.is_closed,
        case when live_stages.is_closed then live_stages.is_won end as is_won
    from live_deals
    left join deal_companies
        on live_deals.deal_id = deal_companies.deal_id
    left join live_stages
        on live_deals.deal_pipeline_stage_id = live_stages.stage_id
        and (live_deals.deal_pipeline_id is null or live_deals.deal_pipeline_id = live_stages.pipeline_id)

)

select * from final
