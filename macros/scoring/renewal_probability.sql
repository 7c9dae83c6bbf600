{#- The renewal probability of a 0-100 `score` under a fitted curve (int_renewal_probability_fits). -#}
{% macro renewal_probability(score, intercept, slope) -%}
    case
        when {{ score }} is not null and {{ intercept }} is not null then
            {{ round_to('1.0 / (1.0 + exp(-1.0 * greatest(-30.0, least(30.0, ' ~ intercept ~ ' + ' ~ slope ~ ' * ' ~ score ~ ' / 100.0))))') }}
    end
{%- endmacro %}
