{#- Values of `measure` (nulls skipped) joined by `delimiter_text`, in the order of `order_by`
    (an expression). dbt.listagg ignores the order on Spark; this keeps it everywhere. -#}
{% macro ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'healthscore')(measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text, order_by) -%}
    {#- null, like the other engines, when nothing is listed -#}
    nullif(array_join(
        transform(
            array_sort(collect_list(case when ({{ measure }}) is not null
                then named_struct('sort_key', {{ order_by }}, 'item', {{ measure }}) end)),
            entry -> entry.item
        ),
        {{ delimiter_text }}
    ), '')
{%- endmacro %}
