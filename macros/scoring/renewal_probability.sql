{#- The renewal probability of a 0-100 `score` under a fitted curve (int_renewal_probability_fits). -#}
{% macro renewal_probability(score, intercept, slope) -%}
    case
        when {{ score }} is not null and {{ intercept }} is not null then
            {{ round_to('1.0 / (1.0 + exp(-1.0 * greatest(-30.0, least(30.0, ' ~ intercept ~ ' + ' ~ slope ~ ' * ' ~ score ~ ' / 100.0))))') }}
    end
{%- endmacro %}


{#- Left joins that attach the renewal-probability curve of a fit scope to rows of `relation`:
    the segment's own curve (segment_fit) and the all-accounts curve (overall_fit). Use with
    renewal_probability_from_fits. -#}
{% macro join_renewal_probability_fits(relation, segment_column, fit_scope) -%}
    left join {{ ref('int_renewal_probability_fits') }} as segment_fit
        on coalesce({{ relation }}.{{ segment_column }}, '__none__') = coalesce(segment_fit.segment, '__none__')
        and segment_fit.fit_scope = '{{ fit_scope }}'
        and not segment_fit.is_overall
    left join {{ ref('int_renewal_probability_fits') }} as overall_fit
        on overall_fit.fit_scope = '{{ fit_scope }}'
        and overall_fit.is_overall
{%- endmacro %}


{#- The renewal probability of `score` under the joined segment curve, else the overall one. -#}
{% macro renewal_probability_from_fits(score) -%}
    {{ renewal_probability(score, 'coalesce(segment_fit.intercept, overall_fit.intercept)', 'coalesce(segment_fit.slope, overall_fit.slope)') }}
{%- endmacro %}
