-- Rule: a signal's driver phrase shows its value: every phrase but a flag's holds '{value}', and
-- a flag's phrases do not (a flag reads one of its two phrases whole). Checked on every signal
-- the run computes, the seed's and the event signals.
select
    signal,
    value_format,
    driver_phrase
from {{ ref('int_signal_catalogue') }}
where (value_format <> 'flag' and driver_phrase not like '%{value}%')
    or (value_format = 'flag' and (driver_phrase like '%{value}%' or driver_phrase_zero like '%{value}%'))
