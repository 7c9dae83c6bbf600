{#- The columns account_health and account_health_history share, cast to their contract types. -#}
{% macro health_score_columns(relation, with_probability=true) -%}
        cast({{ relation }}.account_id as {{ dbt.type_string() }}) as account_id,
        cast({{ relation }}.as_of_date as date) as as_of_date,
        cast({{ relation }}.segment as {{ dbt.type_string() }}) as segment,
        cast({{ relation }}.weight_profile as {{ dbt.type_string() }}) as weight_profile,
        cast({{ relation }}.health_score as {{ type_double() }}) as health_score,
        {%- if with_probability %}
        cast({{ relation }}.renewal_probability as {{ type_double() }}) as renewal_probability,
        {%- endif %}
        cast({{ relation }}.health_band as {{ dbt.type_string() }}) as health_band,
        cast({{ relation }}.band_action as {{ dbt.type_string() }}) as band_action,
        cast({{ relation }}.score_status as {{ dbt.type_string() }}) as score_status,
        cast({{ relation }}.score_null_reason as {{ dbt.type_string() }}) as score_null_reason,
        cast({{ relation }}.coverage as {{ type_double() }}) as coverage,
        cast({{ relation }}.product_score as {{ type_double() }}) as product_score,
        cast({{ relation }}.support_score as {{ type_double() }}) as support_score,
        cast({{ relation }}.commercial_score as {{ type_double() }}) as commercial_score,
        cast({{ relation }}.relationship_score as {{ type_double() }}) as relationship_score,
        cast({{ relation }}.top_negative_driver_1 as {{ dbt.type_string() }}) as top_negative_driver_1,
        cast({{ relation }}.top_negative_driver_2 as {{ dbt.type_string() }}) as top_negative_driver_2,
        cast({{ relation }}.top_negative_driver_3 as {{ dbt.type_string() }}) as top_negative_driver_3,
        cast({{ relation }}.top_negative_drivers as {{ dbt.type_string() }}) as top_negative_drivers,
        cast({{ relation }}.top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast({{ relation }}.top_positive_drivers as {{ dbt.type_string() }}) as top_positive_drivers,
        cast({{ relation }}.missing_signals as {{ dbt.type_string() }}) as missing_signals,
        cast({{ relation }}.previous_health_score as {{ type_double() }}) as previous_health_score,
        cast({{ relation }}.previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        cast({{ relation }}.score_change as {{ type_double() }}) as score_change,
        cast({{ relation }}.change_drivers as {{ dbt.type_string() }}) as change_drivers,
        cast({{ relation }}.licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast({{ relation }}.arr as {{ contract_sql_type('decimal') }}) as arr,
        cast({{ relation }}.term_end_date as date) as term_end_date
{%- endmacro %}
