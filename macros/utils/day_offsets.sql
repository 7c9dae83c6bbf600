{#- The integers 0 .. 10^digits - 1 as a relation with one column `day_offset`, built by cross
    joining digits, so a date spine needs no engine-specific series function. -#}
{% macro day_offsets(digits=5) -%}
    select
        {% for position in range(digits) -%}
            digit_{{ position }}.digit * {{ 10 ** position }}{{ " +" if not loop.last }}
        {% endfor -%} as day_offset
    from
        {% for position in range(digits) -%}
            (
                {%- for digit in range(10) -%}
                    select {{ digit }} as digit{{ " union all " if not loop.last }}
                {%- endfor -%}
            ) as digit_{{ position }}{{ "," if not loop.last }}
        {% endfor %}
{%- endmacro %}
