{#- The renewal probability of `score` under the joined segment curve, else the overall one. -#}
{% macro renewal_probability_from_fits(score) -%}
    {{ renewal_probability(score, 'coalesce(segment_fit.intercept, overall_fit.intercept)', 'coalesce(segment_fit.slope, overall_fit.slope)') }}
{%- endmacro %}
