"""Resources shared by the assets: the warehouse, dbt, the alert destination. Runs execute
in process, one step at a time: DuckDB allows a single writer."""

import datetime as dt

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.project import dbt_project
from orchestration.lib.dbt_invoke import dbt_executable
from orchestration.lib.settings import settings_from_env


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, the landing folder it is loaded from, and the date runs score
    as of when their config names none (None: today, UTC)."""

    database_path: str
    landing_dir: str
    reports_dir: str
    as_of_date: str | None = None

    def default_as_of(self) -> dt.date:
        return (
            dt.date.fromisoformat(self.as_of_date)
            if self.as_of_date
            else dt.datetime.now(dt.UTC).date()
        )


class AlertDestinationResource(dg.ConfigurableResource):
    """Where new alerts go: a JSON-lines file, or a webhook URL when one is set."""

    jsonl_path: str
    webhook_url: str | None = None
    lookback_days: int = 7


@dg.definitions
def resources() -> dg.Definitions:
    settings = settings_from_env()
    return dg.Definitions(
        resources={
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=str(dbt_project.project_dir),
                dbt_executable=dbt_executable(),
            ),
            "warehouse": WarehouseResource(
                database_path=str(settings.database),
                landing_dir=str(settings.landing),
                reports_dir=str(settings.reports),
                as_of_date=settings.as_of_date,
            ),
            "alerts": AlertDestinationResource(
                jsonl_path=str(settings.alerts_file),
                webhook_url=settings.webhook_url,
            ),
        },
        executor=dg.in_process_executor,
    )
