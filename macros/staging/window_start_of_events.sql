{#- The first day (YYYY-MM-DD) of the window stg_product__events validated in its latest run
    (the window_start of its newest rows; 1900-01-01 after a full refresh). Models that must
    validate the same raw days read it after the stage has run. -#}
{% macro window_start_of_events() -%}
    {{ return(newest_date_plus(ref('stg_product__events'), 'window_start')) }}
{%- endmacro %}
