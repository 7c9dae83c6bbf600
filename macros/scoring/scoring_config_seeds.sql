{#- The seeds that make up the scoring configuration (with var healthscore_min_coverage): a
    change to any of them changes scoring_config_fingerprint(). Mirrored in Python by
    orchestration/runtime/scoring_config.py (SCORING_SEEDS). -#}
{% macro scoring_config_seeds() -%}
    {{ return(['health_bands', 'segment_weight_profiles', 'signal_scoring_curves',
               'signal_scoring_rules', 'weight_profiles']) }}
{%- endmacro %}
