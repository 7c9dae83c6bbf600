"""Test-only helpers: the separability check of the demo company's raw tables
(separability.py) and the export of a warehouse's raw tables as a landing folder
(raw_export.py). They may import any part of orchestration; orchestration never imports them."""
