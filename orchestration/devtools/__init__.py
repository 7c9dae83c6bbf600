"""Developer tools, not used by a production run: the benchmark (benchmark.py) with its
peak-memory launcher (peak_memory.py), the validity benchmark over many generated companies
(validity.py), and the company the scoring gate judges on (gate_company.py). They may import any
part of orchestration; nothing outside devtools imports them (the `healthscore bench`,
`healthscore validity` and `healthscore gate` commands import them when run)."""
