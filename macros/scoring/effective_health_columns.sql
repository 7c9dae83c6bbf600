{#- The select list that applies a manual override to a row of computed scores `scores`
    (docs/overrides.md): int_account_overrides_by_date joined as `overrides` on the row's date
    and as `previous_overrides` on the date one cadence step earlier. Gives
    effective_health_score (the override's score, else the computed one),
    effective_health_band and effective_band_action (the override's band and its action, else
    the computed ones), effective_previous_health_band (the band shown a step earlier), and
    is_overridden, override_id, override_reason, override_author and override_expires_on. -#}
{% macro effective_health_columns(scores, overrides='overrides', previous_overrides='previous_overrides') -%}
    coalesce({{ overrides }}.override_score, {{ scores }}.health_score) as effective_health_score,
    coalesce({{ overrides }}.overridden_health_band, {{ scores }}.health_band) as effective_health_band,
    coalesce({{ overrides }}.band_action, {{ scores }}.band_action) as effective_band_action,
    coalesce({{ previous_overrides }}.overridden_health_band, {{ scores }}.previous_health_band)
        as effective_previous_health_band,
    {{ overrides }}.override_id is not null as is_overridden,
    {{ overrides }}.override_id,
    {{ overrides }}.reason as override_reason,
    {{ overrides }}.author as override_author,
    {{ overrides }}.expires_on as override_expires_on
{%- endmacro %}
