{#- Whether `score` lies in the band of the health_bands seed joined as `bands`: from its
    min_score (included) to its max_score (excluded), the top band's max_score included (100 is
    in the best band): how every score of the project gets its band. -#}
{% macro score_in_band(score, bands) -%}
    {{ score }} >= {{ bands }}.min_score
    and (
        {{ score }} < {{ bands }}.max_score
        or ({{ bands }}.max_score >= 100 and {{ score }} <= {{ bands }}.max_score)
    )
{%- endmacro %}
