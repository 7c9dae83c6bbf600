{#- The text exports write for a missing value, lower-cased (raw text is compared in lower
    case, after trimming). Empty text is null already. -#}
{% macro null_tokens() -%}
    {{ return(['null', 'n/a', '#n/a', 'none']) }}
{%- endmacro %}
