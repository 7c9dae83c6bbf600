{#- Relative change of `current` against `prior`, clipped to [-1, 1]: 0 when both are zero,
    1 when only the current window has activity. -#}
{% macro relative_change(current, prior) -%}
    case
        when {{ prior }} = 0 and {{ current }} = 0 then 0.0
        when {{ prior }} = 0 then 1.0
        else greatest(-1.0, least(1.0, {{ as_double('(' ~ current ~ ' - ' ~ prior ~ ')') }} / {{ prior }}))
    end
{%- endmacro %}
