-- Rule (point in time): every signal value as of date D was computed only from rows timestamped
-- on or before D. Each signal row records the newest source timestamp it used; none may fall
-- after its as-of date. A feature that forgot its time filter fails here.
select
    account_id,
    as_of_date,
    signal,
    latest_input_at
from {{ ref('account_signals') }}
where cast(latest_input_at as date) > as_of_date
