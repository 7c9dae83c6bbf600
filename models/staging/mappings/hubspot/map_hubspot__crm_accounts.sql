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
{%- set segment = var('healthscore_hubspot_segment', none) -%}
{%- set company_columns = mapping_source_columns(source('hubspot', 'company')) %}

with company as (

    select * from {{ source('hubspot', 'company') }}

),

owner as (

    select * from {{ source('hubspot', 'owner') }}

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
        {{ segment if segment else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as segment,
        lower({{ mapping_column(company_columns, 'company', 'property_industry') }}) as industry,
        {{ mapping_id_text(mapping_column(company_columns, 'company', owner_property)) }} as owner_id,
        {{ mapping_id_text(mapping_column(company_columns, 'company', 'property_hs_parent_company_id')) }}
            as parent_account_id,
        company.property_createdate as created_at
    from company
    where
        coalesce({{ mapping_column(company_columns, 'company', 'is_deleted', 'boolean') }}, false) = false
        and coalesce({{ mapping_column(company_columns, 'company', '_fivetran_deleted', 'boolean') }}, false) = false

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
