"""The dbt project as Dagster sees it. Its manifest lives in target/dagster/ (apart from the
command line's target/), is rebuilt by `dagster dev`, and must be built before deploying:
`dbt parse --target-path target/dagster` (the UI command and the tests do it)."""

import json
from functools import cache

from dagster_dbt import DbtProject

from orchestration.runtime.contract import PROJECT_ROOT


@cache
def dbt_project() -> DbtProject:
    """The project, made once; under `dagster dev` its manifest is parsed again on first use."""
    project = DbtProject(
        project_dir=PROJECT_ROOT,
        profiles_dir=PROJECT_ROOT,
        target="duckdb",
        target_path="target/dagster",
    )
    project.prepare_if_dev()
    return project


@cache
def dbt_manifest() -> dict:
    """The project's manifest, read once."""
    return json.loads(dbt_project().manifest_path.read_text())
