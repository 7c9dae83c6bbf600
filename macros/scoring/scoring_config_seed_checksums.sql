{#-
    The scoring configuration's seeds and their checksums, as dbt computed them when it parsed
    the project (graph.nodes: the sha256 of the seed file's text, stripped of leading and
    trailing whitespace). A dict from seed name to checksum, in the order of
    scoring_config_seeds(); 'missing' for a seed the project lacks. Empty checksums while dbt
    parses (the graph is filled only when it executes) and in dbt unit tests (no graph). Mirrored in Python by
    orchestration/runtime/scoring_config.py (seed_checksums).
-#}
{% macro scoring_config_seed_checksums() -%}
    {%- set checksums = {} -%}
    {%- for seed in scoring_config_seeds() -%}
        {%- do checksums.update({seed: 'missing'}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for node in (graph.get("nodes") or {}).values()
            if node.resource_type == 'seed' and node.name in checksums
            and node.package_name == project_name -%}
            {%- do checksums.update({node.name: node.checksum.checksum}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(checksums) }}
{%- endmacro %}
