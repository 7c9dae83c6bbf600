{#-
    The metrics computed for each selected event name of the company (int_product_event_signals);
    the signal of metric M and event name E is named 'M:E', and M is its signal_family, whose
    row in signal_scoring_rules scores it until calibration learns a curve of its own.
-#}
{% macro event_signal_metrics() -%}
    {{ return([
        {'metric': 'event_count_28d', 'label': 'events (28 d)', 'unit': 'events',
         'description': 'Events with this name in the last 28 days (scaled to the window while the account has fewer days of product data).'},
        {'metric': 'event_count_per_active_user_28d', 'label': 'events per active user (28 d)', 'unit': 'events per user',
         'description': 'Events with this name in the last 28 days per user active in the last 30 days.'},
        {'metric': 'event_active_days_28d', 'label': 'active days (28 d)', 'unit': 'days',
         'description': 'Days with an event of this name in the last 28 days (scaled like the count).'},
        {'metric': 'event_trend_28d', 'label': 'trend (28 d)', 'unit': 'relative change',
         'description': 'Events with this name in the last 28 days against the 28 days before, clipped to [-1, 1]; missing while the account has less than 56 days of product data or none in the earlier window.'},
        {'metric': 'event_days_since_last', 'label': 'days since last use', 'unit': 'days',
         'description': 'Days since the last event of this name (at most 90).'},
    ]) }}
{%- endmacro %}
