{#-
    crm_accounts from Fivetran's HubSpot schema (docs/mappings.md, "HubSpot"): one account per
    company not deleted; account_id is the company id. csm_owner is the name (else the email) of
    the owner in the company property named by var healthscore_hubspot_csm_owner_property
    (default hubspot_owner_id, the company owner); parent_account_id is HubSpot's parent company
    (hs_parent_company_id); segment is var healthscore_hubspot_segment, a SQL expression over
    `company` (default none: not provided).
-#}
{{ config(
    materialized='view',
    enabled=(var('healthscore_crm_mapping', none) == 'hubspot'),
    meta={'not_provided': [] if var('healthscore_hubspot_segment', none) else ['segment']},
) }}

{%- set owner_property = 'property_' ~ var('healthscore_hubspot_csm_owner_property', 'hubspot_owner_id') -%}
{%- set segment = var('healthscore_hubspot_segment', none) %}

with company as (

    select * from {{ connector_table('hubspot', 'company', {
        'id': 'string', 'property_name': 'string', 'property_industry': 'string',
        owner_property: 'string as owner_id',
        'property_hs_parent_company_id': 'string', 'property_createdate': 'timestamp',
        'is_deleted': 'boolean', '_fivetran_deleted': 'boolean',
    }, expressions={
        'segment': segment or 'cast(null as ' ~ dbt.type_string() ~ ')',
    }, required=true) }} as company

),

owner as (

    select * from {{ connector_table('hubspot', 'owner', {
        'owner_id': 'string', 'first_name': 'string', 'last_name': 'string', 'email': 'string',
    }, required=true) }} as owner  -- noqa: RF04

),

owner_names as (

    select
        {{ mapping_id_text('owner.owner_id') }} as owner_id,
        coalesce(
            nullif(trim(concat(coalesce(owner.first_name, ''), ' ', coalesce(owner.last_name, ''))), ''),
            owner.email
        ) as owner_name
    from owner

),

live_companies as (

    select
        {{ mapping_id_text('company.id') }} as account_id,
        company.property_name as account_name,
        company.segment,
        lower(company.property_industry) as industry,
        {{ mapping_id_text('company.owner_id') }} as owner_id,
        {{ mapping_id_text('company.property_hs_parent_company_id') }} as parent_account_id,
        company.property_createdate as created_at
    from company
    where
        coalesce(company.is_deleted, false) = false
        and coalesce(company._fivetran_deleted, false) = false

),

final as (

    select
        live_companies.account_id,
        live_companies.account_name,
        cast(live_companies.segment as {{ dbt.type_string() }}) as segment,
        live_companies.industry,
        owner_names.owner_name as csm_owner,
        live_companies.parent_account_id,
        live_companies.created_at
    from live_companies
    left join owner_names
        on live_companies.owner_id = owner_names.owner_id

)

select * from final
