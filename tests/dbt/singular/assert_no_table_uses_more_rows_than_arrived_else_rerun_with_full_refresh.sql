-- Rule: the landing folder is the truth. Every row used (a staging row) or quarantined comes
-- from one row of the raw table as it is now, so used plus quarantined rows (less the
-- malformed CSV lines, which never reached the raw table) never outnumber the raw rows. More
-- means rows removed from the landing folder are still used: stale rows kept by an incremental
-- model. The incremental models rebuild themselves when a raw table loses rows
-- (base_raw__row_counts); should rows be replaced without the table shrinking, this catches it.
-- What to do: rebuild from scratch, `healthscore run --full-refresh` (dbt build --full-refresh).
select
    table_name,
    raw_rows,
    valid_rows,
    quarantined_rows,
    malformed_lines
from {{ ref('source_table_status') }}
where valid_rows + quarantined_rows - malformed_lines > raw_rows
