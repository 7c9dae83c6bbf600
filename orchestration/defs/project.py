"""The dbt project as Dagster sees it. Its manifest lives in target/dagster/ (apart from the
command line's target/), is rebuilt by `dagster dev`, and must be built before deploying:
`dbt parse --target-path target/dagster` (the UI command and the tests do it)."""

from dagster_dbt import DbtProject

from orchestration.lib.contract import PROJECT_ROOT

dbt_project = DbtProject(
    project_dir=PROJECT_ROOT,
    profiles_dir=PROJECT_ROOT,
    target="duckdb",
    target_path="target/dagster",
)
dbt_project.prepare_if_dev()
