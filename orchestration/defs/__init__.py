"""The Dagster code location, loaded by orchestration/definitions.py: the raw tables
(ingestion.py), the dbt models and tests (dbt.py, project.py), the score checks (checks.py), the
weight calibration (calibration.py), the alert notifications (alerts.py), the resources, jobs,
schedule and sensor. It may import orchestration.runtime and orchestration.analysis; not
devtools."""
