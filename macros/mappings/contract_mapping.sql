{#- The connector named by the var healthscore_<source>_mapping (e.g. healthscore_crm_mapping:
    salesforce), or none when the var is unset: the source's contract tables are then read from
    the raw schema as they are. A name that is not a mapping of that source (macro
    contract_mappings) stops the compilation with one line saying what to set. -#}
{% macro contract_mapping(source_name) -%}
    {%- set var_name = 'healthscore_' ~ source_name ~ '_mapping' -%}
    {%- set connector = var(var_name, none) -%}
    {%- if connector is none or (connector | string | trim) in ('', 'none', 'None') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set connector = connector | string | trim | lower -%}
    {%- set mappings = contract_mappings() -%}
    {%- if connector not in mappings or mappings[connector]['source'] != source_name -%}
        {%- set known = [] -%}
        {%- for name, mapping in mappings.items() if mapping['source'] == source_name -%}
            {%- do known.append(name) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "The dbt var " ~ var_name ~ " is '" ~ connector ~ "', which is no mapping of the "
            ~ source_name ~ " tables: set it to " ~ (known | join(' or ') or 'nothing') ~ ", remove it to read the contract's raw "
            ~ source_name ~ " tables, or declare your own in healthscore_custom_mappings (docs/mappings.md).") }}
    {%- endif -%}
    {{ return(connector) }}
{%- endmacro %}
