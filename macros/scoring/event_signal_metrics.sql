{#-
    The metrics computed for each selected event name of the company (int_product_event_signals);
    the signal of metric M and event name E is named 'M:E', and M is its signal_family, whose
    row in signal_scoring_rules scores it until calibration learns a curve of its own.
    value_format, driver_phrase and driver_phrase_zero word it as a driver, like the columns of
    the signal_catalogue seed; {event} stands for the event name.
-#}
{% macro event_signal_metrics() -%}
    {{ return([
        {'metric': 'event_count_28d', 'value_format': 'count', 'driver_phrase': '{value} {event} event{s} in 28 days', 'driver_phrase_zero': none,
         'label': 'events (28 d)', 'unit': 'events',
         'description': 'Events with this name in the last 28 days (scaled to the window while the account has fewer days of product data).'},
        {'metric': 'event_count_per_active_user_28d', 'value_format': 'decimal_1', 'driver_phrase': '{value} {event} events per active user in 28 days', 'driver_phrase_zero': 'no {event} events in 28 days',
         'label': 'events per active user (28 d)', 'unit': 'events per user',
         'description': 'Events with this name in the last 28 days per user active in the last 30 days.'},
        {'metric': 'event_active_days_28d', 'value_format': 'count', 'driver_phrase': '{value} day{s} with {event} events in 28 days', 'driver_phrase_zero': none,
         'label': 'active days (28 d)', 'unit': 'days',
         'description': 'Days with an event of this name in the last 28 days (scaled like the count).'},
        {'metric': 'event_trend_28d', 'value_format': 'signed_percent', 'driver_phrase': '{event} events {value} against the 28 days before', 'driver_phrase_zero': '{event} events level with the 28 days before',
         'label': 'trend (28 d)', 'unit': 'relative change',
         'description': 'Events with this name in the last 28 days against the 28 days before, clipped to [-1, 1]; missing while the account has less than 56 days of product data or none in the earlier window.'},
        {'metric': 'event_days_since_last', 'value_format': 'number', 'driver_phrase': 'no {event} events for {value} day{s}', 'driver_phrase_zero': '{event} used today',
         'label': 'days since last use', 'unit': 'days',
         'description': 'Days since the last event of this name (at most 90).'},
    ]) }}
{%- endmacro %}
