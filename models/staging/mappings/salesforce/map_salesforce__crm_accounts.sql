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
{%- set account_filter = var('healthscore_salesforce_account_filter', none) %}

with

account as (

    select * from {{ connector_table('salesforce', 'account', {
        'id': 'string', 'name': 'string', 'industry': 'string', csm_user_column: 'string as csm_user_id',
        'parent_id': 'string', 'created_date': 'timestamp', 'is_deleted': 'boolean',
    }, expressions={
        'segment': segment or 'cast(null as ' ~ dbt.type_string() ~ ')',
        'is_scored': '(' ~ (account_filter or '1 = 1') ~ ')',
    }, required=true) }} as account  -- noqa: RF04

),

salesforce_user as (

    select * from {{ connector_table('salesforce', 'user', {
        'id': 'string', 'name': 'string', 'email': 'string',
    }, table_alias='salesforce_user', required=true) }} as salesforce_user

),

final as (

    select
        account.id as account_id,
        account.name as account_name,
        cast(account.segment as {{ dbt.type_string() }}) as segment,
        account.industry,
        salesforce_user.{{ csm_owner_column }} as csm_owner,
        account.parent_id as parent_account_id,
        account.created_date as created_at
    from account
    left join salesforce_user
        on account.csm_user_id = salesforce_user.id
    where not coalesce(account.is_deleted, false)
        and account.is_scored

)

select * from final
