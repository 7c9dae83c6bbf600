{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'salesforce'),
          meta={'not_provided': ['left_at']}) }}

{#-
    crm_contacts from Salesforce's contact (docs/mappings.md#salesforce). Deleted contacts
    (is_deleted) are left out. The role is the SQL expression healthscore_salesforce_contact_role
    over the contact row (e.g. a custom field: "lower(contact.health_role_c)"); by default it is
    read from the title (macro salesforce_contact_role_from_title). Salesforce records no date a
    contact left: left_at is not provided.
-#}

{%- set role = var('healthscore_salesforce_contact_role', none)
               or salesforce_contact_role_from_title('contact.title') -%}

with

contact as (

    select * from {{ connector_table('salesforce', 'contact', {
        'id': 'string', 'account_id': 'string', 'email': 'string', 'created_date': 'timestamp',
        'is_deleted': 'boolean',
    }, expressions={'contact_role': role}, required=true) }} as contact

),

final as (

    select
        contact.id as contact_id,
        contact.account_id,
        cast(contact.contact_role as {{ dbt.type_string() }}) as role, -- noqa: RF04
        contact.email,
        contact.created_date as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as left_at
    from contact
    where not coalesce(contact.is_deleted, false)

)

select * from final
