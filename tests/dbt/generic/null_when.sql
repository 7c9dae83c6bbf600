{#- Fails for every row where `condition` holds but the column is not null. -#}
{% test null_when(model, column_name, condition) %}

select *
from {{ model }}
where ({{ condition }})
    and {{ column_name }} is not null

{% endtest %}
