{#- The term class of a term `term_days` long (a SQL expression): monthly up to 45 days,
    quarterly up to 135 days, annual beyond. Lead times are configured per class
    (lead_times_by_term_class.sql). -#}
{% macro term_class(term_days) -%}
    case
        when {{ term_days }} <= 45 then 'monthly'
        when {{ term_days }} <= 135 then 'quarterly'
        else 'annual'
    end
{%- endmacro %}
