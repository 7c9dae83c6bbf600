{{ config(materialized='view') }}

{{ import_raw_table('support', 'support_tickets') }}
