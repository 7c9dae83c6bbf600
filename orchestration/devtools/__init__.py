"""Developer tools, not used by a production run: the benchmark (benchmark.py) with its
peak-memory launcher (peak_memory.py), and the validity benchmark over many generated companies
(validity.py). They may import any part of orchestration; nothing outside devtools imports them
(the `healthscore bench` and `healthscore validity` commands import them when run)."""
