"""Test-only helpers: the separability check of the demo company's raw tables
(separability.py, used by test_demo_company.py) and the copy of a DuckDB warehouse's raw tables
into PostgreSQL or Spark (raw_export.py, used by test_warehouses.py). They may import any part
of orchestration; orchestration never imports them."""
