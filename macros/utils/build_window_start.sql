{#- The earliest date a run recomputes; inputs older than it (less a signal's window) are not read. -#}
{% macro build_window_start() -%}
    (select min(window_start.as_of_date) from ({{ dates_to_build('window_start_dates') }}) as window_start)
{%- endmacro %}
