{#-
    crm_contacts from Fivetran's HubSpot schema (docs/mappings.md, "HubSpot"): one per contact not
    deleted, in the account of its primary company (associatedcompanyid). role comes from
    HubSpot's buying role (hs_buying_role, a multi-select of ;-separated option values) through
    var healthscore_hubspot_contact_roles (option value -> contract role); of several roles the
    first in contract order wins (executive_sponsor, champion, admin, end_user, other); a contact
    with no mapped role gets var healthscore_hubspot_contact_role_default (default other; null
    quarantines it). left_at is not provided: HubSpot has no standard property for it.
-#}
{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'hubspot')) }}

{%- set role_map = var('healthscore_hubspot_contact_roles', {
    'EXECUTIVE_SPONSOR': 'executive_sponsor', 'CHAMPION': 'champion', 'END_USER': 'end_user',
}) -%}
{%- set default_role = var('healthscore_hubspot_contact_role_default', 'other') -%}
{%- set contract_roles = ['executive_sponsor', 'champion', 'admin', 'end_user', 'other'] -%}

with contact as (

    select * from {{ connector_table('hubspot', 'contact', {
        'id': 'string', 'property_associatedcompanyid': 'string', 'property_hs_buying_role': 'string',
        'property_email': 'string', 'property_createdate': 'timestamp', '_fivetran_deleted': 'boolean',
    }, required=true) }} as contact

),

live_contacts as (

    select
        {{ mapping_id_text('contact.id') }} as contact_id,
        {{ mapping_id_text('contact.property_associatedcompanyid') }} as account_id,
        concat(';', upper(replace(coalesce(contact.property_hs_buying_role, ''), ' ', '')), ';') as buying_roles,
        contact.property_email as email,
        contact.property_createdate as created_at
    from contact
    where coalesce(contact._fivetran_deleted, false) = false

),

roles as (

    select
        contact_id,
        account_id,
        case
            {%- for role in contract_roles %}
            {%- for option, mapped in role_map.items() if mapped == role %}
            when buying_roles like '%;{{ option | upper }};%' then '{{ role }}'
            {%- endfor %}
            {%- endfor %}
            else {{ "'" ~ default_role ~ "'" if default_role else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
        end as contact_role,
        email,
        created_at,
        cast(null as {{ dbt.type_timestamp() }}) as left_at
    from live_contacts

),

final as (

    select
        contact_id,
        account_id,
        contact_role as role,  -- noqa: RF04
        email,
        created_at,
        left_at
    from roles

)

select * from final
