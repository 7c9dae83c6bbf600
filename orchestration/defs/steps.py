"""What the load step (ingestion.py) and the dbt step (dbt.py) share: their names, the raw
tables' asset keys, which steps a run executes, and the load of the landing folder itself (the
dbt step loads again what a re-execution skipped). Kept apart so neither imports the other."""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.runtime.contract import contract_tables
from orchestration.runtime.loader import (
    REJECTS_TABLE,
    LandingError,
    LoadReport,
    load_landing_folder,
)

LOAD_STEP = "load_landing_folder"
DBT_STEP = "healthscore_dbt_models"
RAW_TABLES = list(contract_tables())


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def is_contract_source(source: Mapping[str, Any]) -> bool:
    """Whether a dbt source node (the manifest's) is one of the ten contract tables (source
    crm, billing, support or product of this project), not a source mapping's connector table."""
    tables = contract_tables()
    return (
        source.get("package_name") == "healthscore"
        and source["name"] in tables
        and source["source_name"] == tables[source["name"]].source
    )


def is_loader_rejects(source: Mapping[str, Any]) -> bool:
    """Whether a dbt source node is the landing-folder loader's rejects table (raw schema)."""
    return source.get("package_name") == "healthscore" and source["name"] == REJECTS_TABLE


def source_key(source: Mapping[str, Any]) -> dg.AssetKey:
    """The asset key of a dbt source node: raw/<table> for a contract table and the loader's
    rejects table, else the source and table names (a connector table of a source mapping:
    stripe/invoice, zendesk/ticket)."""
    if is_contract_source(source) or is_loader_rejects(source):
        return raw_key(source["name"])
    return dg.AssetKey([source["source_name"], source["name"]])


def executes_step(step: str, step_keys: Iterable[str]) -> bool:
    """Whether a run's step keys (a multi-asset's subset is `name[...]`) include `step`."""
    return any(key.split("[")[0] == step for key in step_keys)


def step_follows(context: dg.AssetExecutionContext, step: str) -> bool:
    """Whether this run also executes `step` (the dbt step then publishes the build copy)."""
    step_keys = context.run.step_keys_to_execute
    if step_keys is not None:
        return executes_step(step, step_keys)
    return step in {node.name for node in context.job_def.nodes}


def load_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    copy: Path,
    tables: list[str],
) -> LoadReport:
    """Load `tables` of the landing folder into the build copy; a landing error fails the step
    with its message."""
    try:
        return load_landing_folder(
            Path(warehouse.landing_dir), copy, tables=tables, progress=context.log.info
        )
    except LandingError as error:
        raise dg.Failure(description=str(error)) from error


def tables_a_reexecution_skipped(
    *,
    parent_run_id: str | None,
    step_keys: list[str] | None,
    job_nodes: set[str],
    asset_selection: set[dg.AssetKey] | None,
) -> list[str]:
    """The raw tables a re-execution of a run must load again before its dbt step: a run
    re-executed from its failure skips its load step, which ran in the failed run, whose build
    copy (holding that load) was discarded. Empty for any other run."""
    if parent_run_id is None or step_keys is None or LOAD_STEP not in job_nodes:
        return []
    if executes_step(LOAD_STEP, step_keys):
        return []
    return [
        table
        for table in RAW_TABLES
        if asset_selection is None or raw_key(table) in asset_selection
    ]


def reload_what_a_reexecution_skipped(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, copy: Path
) -> None:
    """Load the landing folder again into `copy` when this run is a re-execution that skipped
    its load step (tables_a_reexecution_skipped)."""
    tables = tables_a_reexecution_skipped(
        parent_run_id=context.run.parent_run_id,
        step_keys=context.run.step_keys_to_execute,
        job_nodes={node.name for node in context.job_def.nodes},
        asset_selection=context.run.asset_selection,
    )
    if not tables:
        return
    context.log.info(
        "This run re-executes a failed one whose load was never published: loading "
        f"{', '.join(tables)} again from {warehouse.landing_dir}."
    )
    load_tables(context, warehouse, copy, tables)
