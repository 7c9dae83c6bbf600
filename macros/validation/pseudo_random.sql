{#-
    A deterministic pseudo-random number in (0, 1) from an integer key: the same key always
    gives the same number, on every run. `stream` (a small integer) gives independent numbers for
    one key. Each engine uses its fast native hash; the default decodes an md5 hash, which
    every engine has.
-#}
{% macro pseudo_random(key_expression, stream) -%}
    {{ return(adapter.dispatch('pseudo_random', 'healthscore')(key_expression, stream)) }}
{%- endmacro %}

{% macro default__pseudo_random(key_expression, stream) -%}
    {%- set hashed = dbt.hash(dbt.concat([dbt.cast(key_expression, dbt.type_string()), "'#" ~ stream ~ "'"])) -%}
    (
    {%- for i in range(7) %}
        ({{ dbt.position("substr(" ~ hashed ~ ", " ~ (i + 1) ~ ", 1)", "'0123456789abcdef'") }} - 1) * {{ 16 ** (6 - i) }}{{ " +" if not loop.last }}
    {%- endfor %}
        + 0.5
    ) / {{ 16 ** 7 }}.0
{%- endmacro %}

{% macro duckdb__pseudo_random(key_expression, stream) -%}
    ((hash({{ key_expression }}, {{ stream }}) % 1000000007) + 0.5) / 1000000007.0
{%- endmacro %}

{% macro postgres__pseudo_random(key_expression, stream) -%}
    ((abs(hashtextextended(cast({{ key_expression }} as text), {{ stream }})) % 1000000007) + 0.5) / 1000000007.0
{%- endmacro %}

{% macro spark__pseudo_random(key_expression, stream) -%}
    (pmod(xxhash64({{ key_expression }}, {{ stream }}), 1000000007) + 0.5) / 1000000007.0
{%- endmacro %}
