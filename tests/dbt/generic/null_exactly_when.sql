{#- Fails for every row where the column's nullness disagrees with `condition`: the column must
    be null exactly when the condition holds (e.g. a score is null exactly when it is not
    scored, and then a reason is given). -#}
{% test null_exactly_when(model, column_name, condition) %}

select *
from {{ model }}
where ({{ column_name }} is null) <> ({{ condition }})

{% endtest %}
