{#-
    A connector's raw table (source `source_name`, table `table_name`) as a parenthesised
    subquery of the columns a mapping model reads, each of the type the mapping declares, so
    that a mapping never fails on what a loader left out or on how it typed a column:
    - `columns` maps each column name, as the connector names it, to its type (string,
      timestamp, integer, numeric, boolean), optionally followed by ` as <alias>`. The name may
      list alternatives separated by `|` (`property_hs_timestamp|start_time`: a column renamed
      between API versions): the first the table has is read, and the alias defaults to the
      first name. A column the table has is cast to the declared type, whatever type the loader
      gave it (text from a CSV load, a float id, a timestamp with time zone is kept as it is);
      one it lacks (loaders create some columns only once a value arrives) becomes a typed null;
    - `expressions` maps further output names to a column name (null when the table lacks it)
      or to SQL evaluated on the raw rows, the table being aliased `table_alias` (default
      `table_name`; a reserved word such as Zendesk's `user` needs another), read as they are
      (e.g. a JSON metadata column for mapping_json_text);
    - a table that does not exist yields zero rows (connector_table_exists tells it apart), or,
      with `required`, stops the build with one line naming it.
    Column names match in any case. Under a dbt unit test the fixture is read as given (cast to
    the declared types): it must carry every column read (the first of alternatives).
-#}
{% macro connector_table(source_name, table_name, columns, expressions={}, table_alias=none, required=false) -%}
    {%- set table_alias = table_alias or table_name -%}
    {%- set found = connector_columns(source_name, table_name) -%}
    {%- set relation = found['relation'] -%}
    {%- set present = found['columns'] -%}
    {%- if required and execute and relation is none -%}
        {%- set missing = source(source_name, table_name) -%}
        {{ exceptions.raise_compiler_error(
            "The " ~ source_name ~ " mapping reads the table " ~ missing ~ ", which does not exist: load it,"
            ~ " or set healthscore_" ~ source_name ~ "_schema to the schema your loader writes " ~ source_name ~ " to (docs/mappings.md).") }}
    {%- endif -%}
    {%- set outputs = [] -%}
    {%- for names, spec in columns.items() -%}
        {%- set candidates = names.split('|') | map('trim') | list -%}
        {%- set parts = spec.split(' as ') -%}
        {%- set connector_type = parts[0] | trim -%}
        {%- set alias = parts[1] | trim if parts | length > 1 else candidates[0] -%}
        {%- set sql_type = connector_sql_type(connector_type) | trim -%}
        {%- set matches = [] -%}
        {%- for name in candidates -%}
            {%- if present is none and loop.first -%}
                {%- do matches.append((name, none)) -%}
            {%- elif present is not none and (name | lower) in present -%}
                {%- do matches.append((present[name | lower].name, present[name | lower].data_type | lower)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not matches or relation is none -%}
            {%- set column = 'cast(null as ' ~ sql_type ~ ')' -%}
        {%- elif connector_type == 'timestamp' and matches[0][1] is not none
                and ('timestamp' in matches[0][1] or 'datetime' in matches[0][1]) -%}
            {#- A timestamp with or without time zone is read as the loader typed it. -#}
            {%- set column = table_alias ~ '.' ~ adapter.quote(matches[0][0]) -%}
        {%- else -%}
            {%- set column = 'cast(' ~ table_alias ~ '.' ~ adapter.quote(matches[0][0]) ~ ' as ' ~ sql_type ~ ')' -%}
        {%- endif -%}
        {%- do outputs.append((column, alias)) -%}
    {%- endfor -%}
    {%- for alias, expression in expressions.items() -%}
        {%- set expression = expression | trim -%}
        {%- if modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', expression) -%}
            {%- if present is none or (expression | lower) in present -%}
                {%- set expression = table_alias ~ '.' ~ adapter.quote(present[expression | lower].name if present is not none else expression) -%}
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
        from {{ relation }} as {{ table_alias }}
        {%- else %}
        from (select 1 as no_connector_table) as missing_connector_table
        where 1 = 0
        {%- endif %}
    )
{%- endmacro %}
