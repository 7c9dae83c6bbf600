{#- A boolean from trimmed text: y/yes/t/true/1 and n/no/f/false/0 in any case; null otherwise
    (staging then quarantines non-empty text as unparseable). -#}
{% macro boolean_from_text(value) -%}
    case lower({{ value }})
            when 'true' then true when 't' then true when 'yes' then true when 'y' then true when '1' then true
            when 'false' then false when 'f' then false when 'no' then false when 'n' then false when '0' then false
        end
{%- endmacro %}
