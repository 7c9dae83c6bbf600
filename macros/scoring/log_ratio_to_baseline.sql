{#-
    ln((current + 1) / (baseline + 1)): the last 28 days against the account's own baseline,
    the mean per 28 days of the up to 84 days before them that the account's data covers
    (`baseline_total` summed over those days; `days_known` the days of data up to the date).
    0 is the usual level, -0.69 half of it, +0.69 double. Only meaningful when at least 28 days
    precede the last 28 (days_known >= 56): the signal's missing_reason says so below that.
-#}
{% macro log_ratio_to_baseline(current, baseline_total, days_known) -%}
    ln(({{ as_double(current) }} + 1.0) / ({{ as_double(baseline_total) }} * 28.0 / greatest(28, least(84, {{ days_known }} - 28)) + 1.0))
{%- endmacro %}
