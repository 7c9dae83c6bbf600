{{ config(materialized='view') }}

{{ import_raw_table('crm', 'survey_responses') }}
