{#-
    The scoring configuration's fingerprint: 12 hexadecimal characters, the start of the md5 of
    the five scoring seeds' checksums (scoring_config_seed_checksums()) and of
    healthscore_min_coverage, written as
        health_bands=<sha256>;segment_weight_profiles=<sha256>;...;healthscore_min_coverage=0.500000
    Computed when dbt compiles, so every row a run scores records the configuration that scored
    it (column config_fingerprint); the bare string: quote it in SQL,
    '{{ scoring_config_fingerprint() }}'. A placeholder of twelve zeros while dbt parses.
    orchestration/runtime/scoring_config.py (fingerprint) computes the same string from a
    folder of the seed files.
-#}
{% macro scoring_config_fingerprint() -%}
    {%- if not execute -%}
        {{ return('000000000000') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for seed, checksum in scoring_config_seed_checksums().items() -%}
        {%- do parts.append(seed ~ '=' ~ checksum) -%}
    {%- endfor -%}
    {%- do parts.append('healthscore_min_coverage=' ~ ('%.6f' | format(var('healthscore_min_coverage') | float))) -%}
    {{ return(local_md5(parts | join(';'))[:12]) }}
{%- endmacro %}
