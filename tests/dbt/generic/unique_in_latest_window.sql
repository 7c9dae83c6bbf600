{#-
    Fails for every value of `column_name` that occurs more than once among the rows written by
    the model's latest incremental window (the rows with the newest `window_column`). On a full
    build every row has the same window, so the whole table is checked; on an incremental run
    only the rewritten window is, because the model's delete+insert on `column_name` removes
    older rows with a key the window writes again.
-#}
{% test unique_in_latest_window(model, column_name, window_column) %}

select
    latest.{{ column_name }},
    count(*) as occurrences
from {{ model }} as latest
where latest.{{ window_column }} = (select max(windows.{{ window_column }}) from {{ model }} as windows)
group by latest.{{ column_name }}
having count(*) > 1

{% endtest %}
