{#-
    Data tests on the rows the latest run wrote. This overrides dbt's get_where_subquery, which
    wraps the model of every generic data test (dbt documents overriding it): it applies the
    test's `where` config as dbt does, and, for a model that opts in, reads only the latest
    run's rows.

    An incremental model rewrites a few days a run; testing its whole table again every day
    costs the most of a daily refresh (a uniqueness check over 17 million user-days takes longer
    than rolling up the day's events). A model opts in in its YAML, where its tests are listed:

        config:
          meta: {data_tests_read: latest_run_rows}

    and carries the column dbt_run_started_at (`written_by_this_run()` in its final select,
    documented in its YAML). Every generic data test on it then reads only the rows whose
    dbt_run_started_at is the newest, which are exactly the rows the latest run wrote. On a full
    build every row has the same value, so the whole table is tested. Singular tests and unit
    tests are not affected.

    Why this is enough: the incremental strategies replace whole keys (delete+insert on the day
    or date, or insert_overwrite of its partitions on Spark), so a row a run did not write is one
    an earlier run wrote and tested, and a duplicate can only arise among the rows one run
    writes. `healthscore run` publishes a build only when every test passed; a build in place
    (the Dagster jobs, a plain `dbt build`) keeps the rows of a failed run, which the next run
    does not test again unless it rewrites them: the Dagster run after a failed run sets
    healthscore_test_all_rows: true, which tests every row (set it yourself after a failed plain
    dbt build, or on any schedule).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set marker = none if var('healthscore_test_all_rows', false) else latest_run_column(relation) -%}
    {%- if marker -%}
        {%- do conditions.append(marker ~ ' = (select max(' ~ marker ~ ') from ' ~ relation ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
