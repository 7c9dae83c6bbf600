{#-
    A Poisson(`mean`) draw from two uniforms in (0, 1), for the Poisson bootstrap: the weight of
    a cell of `mean` identical observations in one replicate (the sum of `mean` independent
    Poisson(1) weights is Poisson(mean)). Means below 10 use the exact inverse CDF, written out
    as nested CASEs (no join); larger means a normal approximation (Box-Muller), rounded and
    floored at 0.
-#}
{% macro poisson_draw(mean, uniform_1, uniform_2) -%}
    case
        when {{ mean }} = 0 then 0
        {%- for m in range(1, 10) %}
        when {{ mean }} = {{ m }} then
            case
            {%- set state = {'p': 2.718281828459045 ** (-m), 'cdf': 0.0} -%}
            {%- for k in range(0, m + 25) -%}
                {%- if k > 0 -%}{%- do state.update({'p': state.p * m / k}) -%}{%- endif -%}
                {%- do state.update({'cdf': state.cdf + state.p}) %}
                when {{ uniform_1 }} <= {{ state.cdf }} then {{ k }}
            {%- endfor %}
                else {{ m + 25 }}
            end
        {%- endfor %}
        else greatest(0, round({{ mean }} + sqrt({{ mean }})
            * sqrt(-2.0 * ln({{ uniform_1 }})) * cos(2.0 * 3.141592653589793 * {{ uniform_2 }})))
    end
{%- endmacro %}
