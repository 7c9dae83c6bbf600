{{ config(materialized='view') }}

{{ import_raw_table('product', 'product_events') }}
