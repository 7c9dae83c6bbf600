{{ config(materialized='view') }}

{{ import_raw_table('billing', 'billing_invoices') }}
