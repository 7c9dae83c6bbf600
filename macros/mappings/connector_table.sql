{#-
    A connector's raw table (source `source_name`, table `table_name`) as a parenthesised
    subquery of the columns a mapping model reads, so that a mapping never fails on what a
    loader left out:
    - `columns` maps each column name, as the connector names it, to its type (string,
      timestamp, integer, numeric, boolean), optionally followed by ` as <alias>`; a column the
      table has is read as it is, one it lacks (loaders create some columns only once a value
      arrives) becomes a typed null;
    - `expressions` maps further output names to a column name (null when the table lacks it)
      or to SQL evaluated on the raw rows, the table being aliased `table_name`;
    - a table that does not exist yields zero rows (connector_table_exists tells it apart).
    Column names match in any case. Under a dbt unit test the fixture is read as given: it
    must carry every column read.
-#}
{% macro connector_table(source_name, table_name, columns, expressions={}) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {%- set relation = source_relation -%}
        {%- set present = none -%}
    {%- else -%}
        {%- set relation = load_relation(source_relation) if execute else none -%}
        {%- set present = {} -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set outputs = [] -%}
    {%- for name, spec in columns.items() -%}
        {%- set parts = spec.split(' as ') -%}
        {%- set alias = parts[1] | trim if parts | length > 1 else name -%}
        {%- if present is none or name in present -%}
            {%- set column = table_name ~ '.' ~ adapter.quote(present[name] if present is not none else name) -%}
        {%- else -%}
            {%- set column = 'cast(null as ' ~ connector_sql_type(parts[0] | trim) ~ ')' -%}
        {%- endif -%}
        {%- do outputs.append((column, alias)) -%}
    {%- endfor -%}
    {%- for alias, expression in expressions.items() -%}
        {%- set expression = expression | trim -%}
        {%- if modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', expression) -%}
            {%- if present is none or (expression | lower) in present -%}
                {%- set expression = table_name ~ '.' ~ adapter.quote(present[expression | lower] if present is not none else expression) -%}
            {%- else -%}
                {%- set expression = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
            {%- endif -%}
        {%- endif -%}
        {%- do outputs.append((expression if relation is not none else 'cast(null as ' ~ dbt.type_string() ~ ')', alias)) -%}
    {%- endfor %}
    (
        select
        {%- for column, alias in outputs %}
            {{ column }} as {{ alias }}{{ "," if not loop.last }}
        {%- endfor %}
        {%- if relation is not none %}
        from {{ relation }} as {{ table_name }}
        {%- else %}
        from (select 1 as no_connector_table) as missing_connector_table
        where 1 = 0
        {%- endif %}
    )
{%- endmacro %}
