"""The dbt project as Dagster sees it. Its manifest lives in target/dagster/ (apart from the
command line's target/), is rebuilt by `dagster dev`, and must be built before deploying:
`dbt parse --target-path target/dagster` (the UI command and the tests do it), with the code
location's dbt vars when HEALTHSCORE_DBT_VARS sets any (`--vars "$HEALTHSCORE_DBT_VARS"`): the
source mappings they switch on decide which sources the dbt models read, hence which tables the
code location observes (ingestion.py)."""

import json
from functools import cache

from dagster_dbt import DbtProject

from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.dbt_invoke import code_location_dbt_vars


@cache
def dbt_project() -> DbtProject:
    """The project, made once; under `dagster dev` its manifest is parsed again on first use
    (with HEALTHSCORE_DBT_VARS)."""
    dbt_vars = code_location_dbt_vars()
    project = DbtProject(
        project_dir=PROJECT_ROOT,
        profiles_dir=PROJECT_ROOT,
        target="duckdb",
        target_path="target/dagster",
        prepare_project_cli_args=["parse", "--quiet"]
        + (["--vars", json.dumps(dbt_vars)] if dbt_vars else []),
    )
    project.prepare_if_dev()
    return project


@cache
def dbt_manifest() -> dict:
    """The project's manifest, read once."""
    return json.loads(dbt_project().manifest_path.read_text())
