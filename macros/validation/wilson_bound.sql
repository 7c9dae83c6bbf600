{#-
    One bound of the Wilson score interval of a proportion `successes` / `trials`, as a double:
    `side` -1 for the lower bound, +1 for the upper; null when `trials` is 0. With p the observed
    share, n the trials and z the normal quantile (1.959964 for 95%):
        (p + z²/(2n) ± z·sqrt(p(1 − p)/n + z²/(4n²))) / (1 + z²/n)
    It stays inside [0, 1] and is honest for small n and for shares of 0 or 1, where the normal
    approximation p ± z·sqrt(p(1 − p)/n) is not. Plain arithmetic and sqrt: the same on every
    engine.
-#}
{% macro wilson_bound(successes, trials, side, z=1.959963984540054) -%}
    {%- set n = as_double(trials) -%}
    {%- set p = '(' ~ as_double(successes) ~ ' / ' ~ n ~ ')' -%}
    {%- set z2 = (z * z) | string -%}
    case
        when {{ trials }} > 0 then
            ({{ p }} + {{ z2 }} / (2 * {{ n }})
                {{ '-' if side < 0 else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }}
                    + {{ z2 }} / (4 * {{ n }} * {{ n }})))
            / (1 + {{ z2 }} / {{ n }})
    end
{%- endmacro %}
