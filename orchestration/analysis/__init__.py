"""Statistics and reports over the built warehouse: the AUC and lift (metrics.py), the
validation run and its report (validation.py, report.py), the rules of the Dagster checks
(validation_checks.py), the weight calibration (calibration.py) and the run summary
(summary.py). It may import orchestration.runtime; not defs, not devtools."""
