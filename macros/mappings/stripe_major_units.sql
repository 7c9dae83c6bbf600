{#- A Stripe amount (an integer of the currency's smallest unit: cents) in the currency's major
    unit, as a decimal: divided by 100, except in Stripe's zero-decimal currencies (JPY, KRW,
    ...), whose amounts are already whole units. -#}
{% macro stripe_major_units(amount, currency) -%}
    case
        when lower({{ currency }}) in (
            'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga',
            'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'
        ) then cast({{ amount }} as {{ dbt.type_numeric() }})
        else cast({{ amount }} as {{ dbt.type_numeric() }}) / 100
    end
{%- endmacro %}
