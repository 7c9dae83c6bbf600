{#-
    One row per contract table: whether the raw table exists, the source mapping it is read
    through (docs/mappings.md) and what that mapping does not provide, how many rows arrived,
    were used and were quarantined, its newest record timestamp, and which signals it feeds.
    The run's summary and the Dagster ingestion metadata read this table; a missing table here
    means its signals are reported absent (and their weight redistributed) on every score.
-#}

{#- The contract tables (macro raw_contract), in contract order, with the column whose newest
    value is newest_record_at: the table's record timestamp, else its timestamp column
    (billing_subscriptions: canceled_at). -#}
{%- set tables = [] -%}
{%- for table_name, table in raw_contract()['tables'].items() -%}
{%- set timestamp_columns = table['columns'] | selectattr('type', 'equalto', 'timestamp')
                            | map(attribute='name') | list -%}
    {%- do tables.append((table['source'], table_name, contract_model_suffix(table_name),
                          table['record_timestamp'] or timestamp_columns[0])) -%}
{%- endfor -%}

-- depends_on: {{ ref('base_raw__row_counts') }}, which reads this table's previous counts first

with

quarantine_counts as (

    select
        source_table,
        count(*) as quarantined_rows,
        sum(case when quarantine_reason like 'malformed_line%' then 1 else 0 end) as malformed_lines
    from {{ ref('quarantined_rows') }}
    group by source_table

),

catalogue as (

    select
        signal,
        source_tables
    from {{ ref('signal_catalogue') }}

),

tables as (

    {%- for source_name, table_name, suffix, timestamp_column in tables %}
    {%- set mapping = contract_table_mapping(table_name) %}
    {%- if mapping['connector'] is none %}
    {%- set raw_relation = load_relation(source(source_name, table_name)) if execute else none %}
    {%- set status = 'present' if raw_relation is not none else 'absent: no raw table ' ~ table_name %}
    {%- elif mapping['model'] is none %}
    {%- set raw_relation = none %}
    {%- set status = 'absent: not provided by the ' ~ mapping['connector'] ~ ' mapping' %}
    {%- else %}
    {%- set mapping_model = ref(mapping['model']) %}
    {%- set raw_relation = load_relation(mapping_model) if execute else none %}
    {%- set not_provided = mapping_not_provided_columns(mapping['model']) %}
    {%- set optional_missing = mapping_missing_optional_tables(mapping['model'], mapping['connector']) %}
    {%- set status = ('present' if raw_relation is not none else 'absent: mapping model ' ~ mapping['model'] ~ ' not built')
                     ~ ('; columns not provided by the ' ~ mapping['connector'] ~ ' mapping: ' ~ (not_provided | join(', '))
                        if not_provided else '')
                     ~ ('; ' ~ (optional_missing | join('; ')) if optional_missing else '') %}
    {%- endif %}
    select
        '{{ table_name }}' as table_name,
        '{{ source_name }}' as source_name,
        {{ 'true' if raw_relation is not none else 'false' }} as is_present,
        {{ "'" ~ mapping['connector'] ~ "'" if mapping['connector'] is not none else 'null' }} as source_mapping,
        '{{ status }}' as availability,
        (select count(*) from {{ ref('base_' ~ suffix) }}) as raw_rows,
        (select count(*) from {{ ref('stg_' ~ suffix) }}) as valid_rows,
        (select max({{ timestamp_column }}) from {{ ref('stg_' ~ suffix) }}) as newest_record_at
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

feeds as (

    select
        tables.table_name,
        {{ ordered_listagg('catalogue.signal', "', '", 'catalogue.signal') }} as signals_fed
    from tables
    inner join catalogue
        on {{ dbt.position("tables.table_name", "catalogue.source_tables") }} > 0
    group by tables.table_name

),

final as (

    select
        cast(tables.table_name as {{ dbt.type_string() }}) as table_name,
        cast(tables.source_name as {{ dbt.type_string() }}) as source_name,
        cast(tables.is_present as {{ dbt.type_boolean() }}) as is_present,
        cast(tables.source_mapping as {{ dbt.type_string() }}) as source_mapping,
        cast(tables.availability as {{ dbt.type_string() }}) as availability,
        cast(tables.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(tables.valid_rows as {{ dbt.type_bigint() }}) as valid_rows,
        cast(coalesce(quarantine_counts.quarantined_rows, 0) as {{ dbt.type_bigint() }}) as quarantined_rows,
        cast(coalesce(quarantine_counts.malformed_lines, 0) as {{ dbt.type_bigint() }}) as malformed_lines,
        cast(tables.newest_record_at as {{ dbt.type_timestamp() }}) as newest_record_at,
        cast(feeds.signals_fed as {{ dbt.type_string() }}) as signals_fed,
        {{ as_of_date() }} as as_of_date
    from tables
    left join quarantine_counts
        on tables.table_name = quarantine_counts.source_table
    left join feeds
        on tables.table_name = feeds.table_name

)

select * from final
