{{ config(materialized='view') }}

{{ import_raw_table('crm', 'crm_activities') }}
