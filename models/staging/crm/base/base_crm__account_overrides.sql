{{ config(materialized='view') }}

{{ import_raw_table('crm', 'crm_account_overrides') }}
