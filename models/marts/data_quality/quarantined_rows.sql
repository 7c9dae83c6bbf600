{#-
    Every raw row the pipeline did not use, with the contract rule it broke: null key, unknown
    account, unparseable or missing value, value outside its enumeration or range, timestamp
    after the as-of date, duplicate key, and CSV lines the loader could not parse at all.
    Nothing is dropped silently: source_table_status counts these rows per table.
-#}

{#- The contract tables (macro raw_contract) with a validation view, its name and the table's
    primary key; product_events has none (it is validated window by window, below). -#}
{%- set validated = [] -%}
{%- for table_name, table in raw_contract()['tables'].items() if table_name != 'product_events' -%}
{%- do validated.append((table_name, 'base_' ~ contract_model_suffix(table_name) ~ '_validated',
                         table['primary_key'])) -%}
{%- endfor -%}

with

load_rejects as (

    {{ import_raw_table(
        'loader',
        'healthscore_load_rejects',
        columns=['table_name', 'file_name', 'line_number', 'error_message', 'raw_line']
    ) }}

),

rejected as (

    {%- for table_name, model_name, key in validated %}
    select
        '{{ table_name }}' as source_table,
        {{ key }} as record_key,
        account_id,
        quarantine_reason,
        record_text as raw_record
    from {{ ref(model_name) }}
    where quarantine_reason is not null

    union all
    {%- endfor %}

    -- product_events is validated incrementally, window by window, like its stage.
    select
        'product_events' as source_table,
        event_id as record_key,
        account_id,
        quarantine_reason,
        raw_record
    from {{ ref('int_product_events_quarantined') }}

    union all

    select
        table_name as source_table,
        {{ dbt.concat(["'line '", "line_number"]) }} as record_key,
        cast(null as {{ dbt.type_string() }}) as account_id,
        {{ dbt.concat(["'malformed_line: '", "error_message"]) }} as quarantine_reason,
        raw_line as raw_record
    from load_rejects

),

final as (

    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(record_key as {{ dbt.type_string() }}) as record_key,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(quarantine_reason as {{ dbt.type_string() }}) as quarantine_reason,
        cast(raw_record as {{ dbt.type_string() }}) as raw_record,
        {{ as_of_date() }} as as_of_date
    from rejected

)

select * from final
