{#-
    A signal's value in words, from its catalogue row (int_signal_catalogue: the columns
    value_format, driver_phrase, driver_phrase_zero and label), e.g. '3 high/urgent tickets open',
    'no high/urgent tickets open', '41% of licensed seats active in 30 days'. The arguments are
    SQL expressions. In driver_phrase, {value} is replaced by the value formatted by
    value_format and {s} by '' when that whole number is 1, else 's':
      count              a whole number; 0 reads 'no'
      number             a whole number (days)
      decimal_1/_2       one or two decimals
      percent            a share or ratio (0-1) as a whole percentage: 0.41 -> '41%'
      signed_percent     a relative change as a signed percentage: -0.3 -> '-30%', 0.1 -> '+10%'
      log_ratio_percent  ln(x / baseline) as the signed percentage change: -0.69 -> '-50%'
      flag               1 or 0: driver_phrase when 1, driver_phrase_zero when 0 ({value} unused)
      sentiment          -1, 0 or 1: 'negative', 'neutral' or 'positive'
    A value of exactly 0 reads driver_phrase_zero when the row has one. Without data (a null
    value, e.g. a change driver whose signal lost its data): '<label>: no data'.
    Only cross-engine SQL (cast, round, exp, replace, case, dbt.concat): DuckDB, PostgreSQL and
    Spark give the same text.
-#}
{% macro driver_phrase(value_format, template, zero_template, label, value) -%}
    {%- set text = dbt.type_string() -%}
    {#- round_to: halves away from zero on every engine (PostgreSQL's round of a double
        rounds them to even: 12.5% read '12%' there and '13%' on DuckDB). -#}
    {%- set whole = round_to(value, 0) -%}
    {%- set whole_text = 'cast(cast(' ~ whole ~ ' as ' ~ dbt.type_bigint() ~ ') as ' ~ text ~ ')' -%}
    {%- set percent = round_to('100.0 * (' ~ value ~ ')', 0) -%}
    {%- set log_percent = round_to('100.0 * (exp(' ~ value ~ ') - 1.0)', 0) -%}
    case
        when {{ value }} is null then {{ dbt.concat([label, "': no data'"]) }}
        when {{ value }} = 0 and {{ zero_template }} is not null then {{ zero_template }}
        when {{ value_format }} = 'flag' then {{ template }}
        else replace(replace(
            {{ template }},
            '{value}',
            case {{ value_format }}
                when 'count' then case when {{ whole }} = 0 then 'no' else {{ whole_text }} end
                when 'number' then {{ whole_text }}
                when 'decimal_1' then cast(cast({{ value }} as decimal(18, 1)) as {{ text }})
                when 'decimal_2' then cast(cast({{ value }} as decimal(18, 2)) as {{ text }})
                when 'percent' then {{ dbt.concat(['cast(cast(' ~ percent ~ ' as ' ~ dbt.type_bigint() ~ ') as ' ~ text ~ ')', "'%'"]) }}
                when 'signed_percent' then {{ dbt.concat([
                    "case when " ~ percent ~ " > 0 then '+' else '' end",
                    'cast(cast(' ~ percent ~ ' as ' ~ dbt.type_bigint() ~ ') as ' ~ text ~ ')', "'%'"
                ]) }}
                when 'log_ratio_percent' then {{ dbt.concat([
                    "case when " ~ log_percent ~ " > 0 then '+' else '' end",
                    'cast(cast(' ~ log_percent ~ ' as ' ~ dbt.type_bigint() ~ ') as ' ~ text ~ ')', "'%'"
                ]) }}
                when 'sentiment' then
                    case when {{ value }} > 0 then 'positive' when {{ value }} < 0 then 'negative' else 'neutral' end
                else cast({{ value }} as {{ text }})
            end
        ), '{s}', case when {{ whole }} = 1 then '' else 's' end)
    end
{%- endmacro %}
