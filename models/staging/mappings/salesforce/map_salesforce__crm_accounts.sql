{{ config(materialized='view', enabled=(var('healthscore_crm_mapping', none) == 'salesforce'),
          meta={'not_provided': [] if var('healthscore_salesforce_segment', none) else ['segment']}) }}

{#-
    crm_accounts from Salesforce's account (docs/mappings.md#salesforce): the Salesforce account
    id is the account_id every other source links to. Deleted accounts (is_deleted, Salesforce's
    recycle bin) are left out. csm_owner is the name (or, with healthscore_salesforce_csm_owner:
    email, the email) of the user in the account column healthscore_salesforce_csm_user_column
    (default owner_id); segment is the SQL expression healthscore_salesforce_segment over the
    account row (Salesforce has no standard segment field: null unless set);
    healthscore_salesforce_account_filter, a condition on the account row, keeps only the
    accounts to score (default: all).
-#}

{%- set csm_user_column = var('healthscore_salesforce_csm_user_column', 'owner_id') -%}
{%- set csm_owner_column = var('healthscore_salesforce_csm_owner', 'name') -%}
{%- if csm_owner_column not in ('name', 'email') -%}
    {{ exceptions.raise_compiler_error("The dbt var healthscore_salesforce_csm_owner is '" ~ csm_owner_column ~ "': set it to name or email (the user column written as csm_owner).") }}
{%- endif -%}
{%- set segment = var('healthscore_salesforce_segment', none) -%}

with

account as (

    select * from {{ source('salesforce', 'account') }}

),

salesforce_user as (

    select * from {{ source('salesforce', 'user') }}

),

final as (

    select
        account.id as account_id,
        account.name as account_name,
        {{ segment if segment else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as segment,
        account.industry,
        salesforce_user.{{ csm_owner_column }} as csm_owner,
        account.parent_id as parent_account_id,
        account.created_date as created_at
    from account
    left join salesforce_user
        on account.{{ csm_user_column }} = salesforce_user.id
    where not coalesce(account.is_deleted, false)
        and ({{ var('healthscore_salesforce_account_filter', none) or 'true' }})

)

select * from final
