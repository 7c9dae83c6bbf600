{#-
    The values of `template` (an expression in which {rank} stands for 1, 2 and 3) at ranks 1 to
    3 of a group, aggregated with max() and joined by `delimiter_text`; null when rank 1 is
    null. Equal to an ordered string aggregation of the first three ranks when a non-null value
    at a rank implies non-null values at every smaller rank, without its per-group sort.
-#}
{% macro first_three_joined(template, delimiter_text) -%}
    {%- set first = 'max(' ~ template | replace('{rank}', '1') ~ ')' -%}
    {%- set second = 'max(' ~ template | replace('{rank}', '2') ~ ')' -%}
    {%- set third = 'max(' ~ template | replace('{rank}', '3') ~ ')' -%}
    {{ dbt.concat([first, 'coalesce(' ~ dbt.concat([delimiter_text, second, 'coalesce(' ~ dbt.concat([delimiter_text, third]) ~ ", '')"]) ~ ", '')"]) }}
{%- endmacro %}
