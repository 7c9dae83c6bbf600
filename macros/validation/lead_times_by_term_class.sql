{#-
    The backtest lead times (days before a renewal date) of each term class, from the var
    healthscore_lead_times_days: either one list for every term (e.g. [30, 60, 90]) or a
    mapping from term class to its list (e.g. {monthly: [7, 14], annual: [30, 60, 90]}), since
    a monthly term is decided weeks, not months, before it ends. A mapping must name every term
    class (see term_class.sql), so that no renewal is left out of the validation unnoticed.
    Returns a dict: term class -> sorted list of distinct positive integers.
-#}
{% macro lead_times_by_term_class() -%}
    {%- set configured = var('healthscore_lead_times_days') -%}
    {%- set classes = term_classes() -%}
    {%- set by_class = {} -%}
    {%- if configured is mapping -%}
        {%- for name in configured -%}
            {%- if name not in classes -%}
                {{ exceptions.raise_compiler_error("healthscore_lead_times_days names an unknown term class '" ~ name ~ "'; the classes are " ~ classes | join(', ') ~ ".") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for name in classes -%}
            {%- if name not in configured -%}
                {{ exceptions.raise_compiler_error("healthscore_lead_times_days gives no lead times for " ~ name ~ " terms; give every term class (" ~ classes | join(', ') ~ ") a list, or one list for all.") }}
            {%- endif -%}
            {%- do by_class.update({name: configured[name]}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- for name in classes -%}
            {%- do by_class.update({name: configured}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set cleaned = {} -%}
    {%- for name in classes -%}
        {%- set leads = by_class[name] -%}
        {%- if leads is string or leads is not iterable or leads | length == 0 -%}
            {{ exceptions.raise_compiler_error("healthscore_lead_times_days for " ~ name ~ " terms must be a list of days, e.g. [30, 60, 90]; got " ~ leads ~ ".") }}
        {%- endif -%}
        {%- set days = [] -%}
        {%- for lead in leads -%}
            {%- if (lead | int) < 1 or (lead | string | trim) != ((lead | int) | string) -%}
                {{ exceptions.raise_compiler_error("healthscore_lead_times_days: lead times are whole days of at least 1; got " ~ lead ~ " for " ~ name ~ " terms.") }}
            {%- endif -%}
            {%- if (lead | int) not in days -%}{%- do days.append(lead | int) -%}{%- endif -%}
        {%- endfor -%}
        {%- do cleaned.update({name: days | sort}) -%}
    {%- endfor -%}
    {{ return(cleaned) }}
{%- endmacro %}
