"""What a production run executes: the raw contract (contract.py), loading the landing folder
into the raw tables (loader.py), running dbt (dbt_invoke.py), the `healthscore run` pipeline with
its lock, copy and publish (pipeline.py, warehouse_file.py), the settings from the environment,
the landing-folder watch of the sensor, the alert notifier, and the scoring configuration's
fingerprint (scoring_config.py: a run says when the scoring seeds changed). It imports nothing
else of orchestration: not analysis, not defs, and never devtools."""
