"""Every dbt model and seed as an asset, every dbt test as an asset check.

Assets are grouped by layer (ingestion -> staging -> features -> score -> validation -> alerts),
each model folder's group set as meta.dagster.group in dbt_project.yml, and dbt sources map to
the ingestion assets (raw/<table>; under a source mapping, the connector's tables, e.g.
stripe/invoice), so the graph runs from the raw tables (loaded from the landing folder, or
observed in the team's warehouse) to the alerts. After a build, the score
asset's metadata carries the band counts and the validation figures.

On the embedded DuckDB file, dbt builds a copy that the step publishes when every test passed
(resources.WarehouseResource). On any other dbt target it builds the target in place, as
`dbt build` does: the failed models and tests are in the step's error, and what passed stays.
"""

import datetime as dt
import json
import shutil
import textwrap
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
    get_asset_key_for_model,
)

from orchestration.defs.project import dbt_manifest, dbt_project
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import DBT_STEP, reload_what_a_reexecution_skipped, source_key
from orchestration.runtime.dbt_invoke import (
    WITHOUT_UNIT_TESTS,
    as_of_in_environment,
    code_location_dbt_vars,
)
from orchestration.runtime.pipeline import write_run_settings
from orchestration.runtime.scoring_config import config_change_message
from orchestration.runtime.warehouse import Location, connect, keep_spark

SCORE_MODEL = "account_health"


class HealthScoreTranslator(DagsterDbtTranslator):
    """A dbt source is an ingestion asset (steps.source_key): a contract table is raw/<table>, a
    source mapping's connector table <connector>/<table> (stripe/invoice). Models and seeds take
    their group from dagster-dbt's own `meta.dagster.group`, set per folder in dbt_project.yml; a
    model in a folder without one is a clear error rather than an asset in the `default`
    group."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=source_key(props))
        if props["resource_type"] == "model" and props["name"] == SCORE_MODEL:
            return _headline_first(spec, props)
        if not props.get("meta", {}).get("dagster", {}).get("group"):
            raise ValueError(
                f"dbt node {'.'.join(props['fqn'])} has no Dagster group: give its folder "
                "+meta: {dagster: {group: ...}} in dbt_project.yml, or, if it has one, the "
                "manifest is stale: run `dbt parse --target-path target/dagster`."
            )
        return spec


def _headline_first(spec: dg.AssetSpec, props: Mapping[str, Any]) -> dg.AssetSpec:
    """The score asset's page leads with its figures: the UI shows a definition's column table
    above the materialisation's metadata (the band counts and validation figures), so the
    column table is left out here and the description says where the columns are documented."""
    columns = len(props.get("columns", {}))
    # patch_path is the YAML that documents the model ("<project>://models/...yml").
    documented_in = (props.get("patch_path") or props["original_file_path"]).split("://")[-1]
    note = (
        "The last build's accounts per band and validation figures are the **Metadata** below. "
        f"The mart's {columns} columns are documented in `{documented_in}` (the dbt docs)."
    )
    description = "\n\n".join(
        part for part in (props.get("description"), note, _raw_sql(props)) if part
    )
    metadata = {
        key: value for key, value in spec.metadata.items() if key != "dagster/column_schema"
    }
    return spec.replace_attributes(description=description, metadata=metadata)


def _raw_sql(props: Mapping[str, Any]) -> str:
    code = textwrap.indent(props.get("raw_code") or props.get("raw_sql") or "", "    ")
    return f"#### Raw SQL:\n```sql\n{code}\n```" if code else ""


translator = HealthScoreTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class PipelineConfig(dg.Config):
    """The date the run scores as of (YYYY-MM-DD); when empty, the warehouse resource's
    default (HEALTHSCORE_AS_OF_DATE, else today in UTC). rebuild_from / rebuild_to recompute
    the score history's dates in that range (a backfill; idempotent). test_all_rows makes the
    data tests read every row of the incremental models, not only the rows this run writes
    (macros/utils/get_where_subquery.sql). allow_older_as_of rebuilds, from scratch, a warehouse
    already scored as of a later date (refused otherwise). full_refresh rebuilds the incremental
    models from scratch; unit_tests also runs the dbt unit tests (`healthscore demo` sets both;
    scheduled runs leave the unit tests out, see dbt_invoke.WITHOUT_UNIT_TESTS)."""

    as_of_date: str | None = None
    rebuild_from: str | None = None
    rebuild_to: str | None = None
    test_all_rows: bool = False
    allow_older_as_of: bool = False
    full_refresh: bool = False
    unit_tests: bool = False

    def resolved_as_of(self, warehouse: WarehouseResource) -> dt.date:
        return (
            dt.date.fromisoformat(self.as_of_date) if self.as_of_date else warehouse.default_as_of()
        )


def _three(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "no"


def score_metadata(location: Location) -> dict[str, dg.MetadataValue]:
    """The headline of the current scores (accounts per band) and the validation figures, for
    the score asset: a sentence, the band counts (worst band first, by config.health_bands'
    band_rank), the validation table, the AUCs."""
    con = connect(location)
    try:
        bands = con.execute(
            """
            select coalesce(health.health_band, 'not scored'), count(*)
            from marts.account_health as health
            left join config.health_bands as bands on health.health_band = bands.health_band
            group by 1, bands.band_rank
            order by bands.band_rank nulls last, 1
            """
        ).fetchall()
        validation = con.execute(
            """
            select lead_days, renewals, churns, auc, auc_ci_lower, auc_ci_upper, top_decile_lift,
                   band_churn_rates, band_churn_rates_ordered
            from marts.score_validation
            where subject = 'health_score' and segment_group = 'all'
            order by lead_days
            """
        ).fetchall()
    finally:
        con.close()
    scored = sum(count for band, count in bands if band != "not scored")
    parts = [
        f"{count:,} {band}"
        + (f" ({count / scored:.0%})" if band != "not scored" and scored else "")
        for band, count in bands
    ]
    aucs = [f"{row[3]:.2f} at {row[0]} days" for row in validation if row[3] is not None]
    headline = f"{scored:,} accounts scored: " + ", ".join(parts) + "."
    if aucs:
        headline += (
            " Scored before their renewals, the accounts that churned ranked below those that "
            f"renewed with an AUC of {', '.join(aucs)} before renewal (0.5: no better than "
            "chance; 1: every churn ranked below every renewal)."
        )
    metadata: dict[str, dg.MetadataValue] = {"headline": dg.MetadataValue.text(headline)}
    for band, count in bands:
        metadata[f"accounts_{band.replace(' ', '_')}"] = dg.MetadataValue.int(count)
    # One column per band ("red 12.1% of 198; amber ..." split), so the table stays narrow.
    band_rates = [
        dict(part.split(" ", 1) for part in (rates or "").split("; ") if " " in part)
        for *_, rates, _ in validation
    ]
    band_names = list(dict.fromkeys(name for rates in band_rates for name in rates))
    rows = [
        "| lead | renewals | churns | AUC [95% CI] | lift | "
        + "".join(f"churned: {name} | " for name in band_names)
        + "bands ordered |",
        "|---|---|---|---|---|" + "---|" * len(band_names) + "---|",
    ]
    aucs_by_lead: dict[str, dg.MetadataValue] = {}
    for (lead, renewals, churns, auc, low, high, lift, _, ordered), rates in zip(
        validation, band_rates, strict=True
    ):
        rows.append(
            f"| {lead} d | {renewals:,} | {churns:,} | "
            f"{_three(auc)} [{_three(low)}, {_three(high)}] | {(lift or 0):.2f} | "
            + "".join(f"{rates.get(name, '-')} | " for name in band_names)
            + f"{_yes_no(ordered)} |"
        )
        if auc is not None:
            aucs_by_lead[f"auc_{lead}d"] = dg.MetadataValue.float(float(auc))
    metadata["validation"] = dg.MetadataValue.md("\n".join(rows))
    metadata.update(aucs_by_lead)
    return metadata


@dbt_assets(
    manifest=dbt_manifest(),
    project=dbt_project(),
    dagster_dbt_translator=translator,
    name=DBT_STEP,
)
def healthscore_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: PipelineConfig,
) -> Iterator[Any]:
    if warehouse.challenger_dir:
        # A bad HEALTHSCORE_CHALLENGER_DIR fails the step in one line, before the build.
        from orchestration.analysis.challenger import challenger_config

        try:
            challenger_config(warehouse.challenger_dir)
        except ValueError as error:
            raise dg.Failure(description=f"HEALTHSCORE_CHALLENGER_DIR: {error}") from None
    as_of = config.resolved_as_of(warehouse)
    if warehouse.on_target:
        # dbt builds the target in place, one writer at a time (the target's writer lock).
        warehouse.lock_target(context.log)
    else:
        # The build runs on this run's copy of the warehouse, under its writer lock (the
        # ingestion step may have opened it already), and is published below only when dbt
        # passed.
        copy = warehouse.open_copy(context.log)
        # A re-execution from a failure skips its load step: its load is loaded again.
        reload_what_a_reexecution_skipped(context, warehouse, copy)
    going_back = warehouse.refuse_older(as_of, config.allow_older_as_of)
    # The as-of date goes to dbt as HEALTHSCORE_AS_OF_DATE (see dbt_invoke.AS_OF_ENV): a daily
    # run then keeps dbt's partial parsing; the vars below change rarely. The code location's
    # own (HEALTHSCORE_DBT_VARS: the source mappings, say) are those its manifest was parsed with.
    dbt_vars: dict[str, object] = code_location_dbt_vars()
    if config.rebuild_from:
        dbt_vars["healthscore_rebuild_from"] = dt.date.fromisoformat(
            config.rebuild_from
        ).isoformat()
        dbt_vars["healthscore_rebuild_to"] = dt.date.fromisoformat(
            config.rebuild_to or config.rebuild_from
        ).isoformat()
    if config.test_all_rows:
        context.log.info("Data tests read every row (test_all_rows).")
        dbt_vars["healthscore_test_all_rows"] = True
    full_refresh = going_back or config.full_refresh
    changed = config_change_message(
        warehouse.location(), dbt_project().project_dir, full_refresh=full_refresh
    )
    if changed:
        context.log.info(changed)
    args = ["build"] + ([] if config.unit_tests else WITHOUT_UNIT_TESTS)
    args += ["--full-refresh"] if full_refresh else []
    args += ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    with as_of_in_environment(as_of):
        invocation = dbt.cli(args, context=context)
    # Every materialisation and test result is held until the build is published: what the
    # UI records is what the warehouse holds. The stream raises when dbt failed; the copy is
    # then never published and nothing is recorded (the step's error lists dbt's failures).
    held = list(invocation.stream())
    # dagster-dbt gives each invocation a target folder of its own (20-40 MB of compiled SQL
    # and run results): a daily schedule would fill the disk. A failed build's folder stays
    # for debugging (the stream raised above); a passed one's goes.
    shutil.rmtree(invocation.target_path, ignore_errors=True)
    from orchestration.analysis.challenger import write_shadow

    # On a Spark target, the reads and writes after the build share one session, stopped (with
    # its JVM: the local Derby metastore admits one process) before the step ends.
    with keep_spark():
        metadata = score_metadata(warehouse.location())
        # Recorded for `healthscore adopt`, which rescores as of the last build's date, with the
        # code location's vars (the source mappings): a run's own (a backfill's range) are not
        # kept.
        write_run_settings(warehouse.location(), as_of, code_location_dbt_vars())
        # A challenger configuration is scored in shadow on the copy, published with it.
        # Without one, an earlier challenger's tables are dropped; nothing else is written. One
        # that fails while being scored is logged ("challenger not scored: ...") and the copy is
        # published all the same.
        write_shadow(warehouse.location(), warehouse.challenger_dir, say=context.log.info)
    warehouse.publish_copy(context.log)  # on a dbt target: releases its writer lock
    for event in held:
        # The score asset's result carries the band counts and the validation figures.
        if (
            isinstance(event, dg.Output)
            and context.asset_key_for_output(event.output_name) == SCORE_ASSET
        ):
            # The headline first: the UI lists metadata in this order.
            yield event.with_metadata(
                {
                    "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
                    **metadata,
                    **event.metadata,
                }
            )
        else:
            yield event


@cache
def dbt_model_key(name: str) -> dg.AssetKey:
    """The asset key of a dbt model or seed, by name (marts/<name> ...), from the parsed
    manifest the dbt assets hold."""
    return get_asset_key_for_model([healthscore_dbt_models], name)


SCORE_ASSET = dbt_model_key(SCORE_MODEL)
