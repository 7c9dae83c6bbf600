-- Rule: nothing is dropped silently. Every row of every raw table is either used (a staging
-- row) or quarantined with its reason. Fewer used plus quarantined rows than raw rows means
-- rows vanished, e.g. events that arrived later than healthscore_lookback_days (older than the
-- incremental window) and were never picked up by the incremental models.
-- What to do: rebuild from scratch, `healthscore run --full-refresh` (dbt build --full-refresh).
select
    table_name,
    raw_rows,
    valid_rows,
    quarantined_rows,
    malformed_lines
from {{ ref('source_table_status') }}
where raw_rows > valid_rows + quarantined_rows - malformed_lines
