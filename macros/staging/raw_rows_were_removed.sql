{#-
    The landing folder is the truth: it holds each table's complete history, so a raw table
    that lost rows since the last build (its files removed or re-exported shorter, or the whole
    table gone) means rows were removed from the data, and every model built incrementally from
    them is rebuilt from the raw rows instead of updated (otherwise the removed rows would
    still be scored). base_product__events_row_counts (for the events models) and
    base_raw__row_counts (every table, for the per-date models) decide it once per run, before
    the models that read it, with a few counts; those models ask raw_rows_were_removed().
-#}

{#- Whether rows were removed from the raw table `table_name` (any contract table that feeds
    signals when none: an optional table such as crm_account_overrides applies in the marts,
    rebuilt every run, so removing an override rebuilds no history) since the last build;
    always false outside an incremental run (a full build reads every raw row anyway) and in dbt
    unit tests. -#}
{% macro raw_rows_were_removed(table_name=none) -%}
    {%- set counts_model = 'base_product__events_row_counts' if table_name == 'product_events' else 'base_raw__row_counts' -%}
    {%- if not execute -%}
        {#- Called while dbt parses the model, so that the model depends on the counts. -#}
        {%- do ref(counts_model) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {#- Not built yet (a partial build of a warehouse older than these counts): nothing known. -#}
    {%- if load_relation(ref(counts_model)) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set removed -%}
        select count(*)
        from {{ ref(counts_model) }}
        where rows_removed
        {%- if table_name is not none %}
            and table_name = '{{ table_name }}'
        {%- else %}
            {%- for name, table in raw_contract()['tables'].items() if table.get('optional') %}
            and table_name <> '{{ name }}'
            {%- endfor %}
        {%- endif %}
    {%- endset -%}
    {{ return((run_query(removed).columns[0].values()[0] | int) > 0) }}
{%- endmacro %}
