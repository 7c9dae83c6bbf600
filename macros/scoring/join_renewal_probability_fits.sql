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
