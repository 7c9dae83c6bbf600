{#-
    A signal's 0-100 score from its raw value and its scoring rule (signal_scoring_rules seed):
    100 at best_value, 0 at worst_value, linear in between, clamped outside. The direction is
    implied: best_value may be above or below worst_value. With curve = 'log' the interpolation
    runs on ln(1 + x), for skewed counts where the first few matter most.
    A null raw value gives a null score (the signal had no data); it is never scored as neutral.
-#}
{% macro score_between(value, worst_value, best_value, curve) -%}
    case
        when {{ value }} is null then null
        when {{ best_value }} = {{ worst_value }} then null
        when {{ curve }} = 'log' then
            greatest(0.0, least(100.0,
                100.0 * (ln(1.0 + greatest({{ value }}, 0.0)) - ln(1.0 + greatest({{ worst_value }}, 0.0)))
                / (ln(1.0 + greatest({{ best_value }}, 0.0)) - ln(1.0 + greatest({{ worst_value }}, 0.0)))
            ))
        else
            greatest(0.0, least(100.0,
                100.0 * ({{ value }} - {{ worst_value }}) / ({{ best_value }} - {{ worst_value }})
            ))
    end
{%- endmacro %}
