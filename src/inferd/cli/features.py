"""``inferd features``: load features into the online store and read them back by key."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from inferd.cli.console import console, err_console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from inferd.features import FeatureRows

_STORE_HELP = "Feature store URL (default: INFERD_FEATURE_STORE_URL, or sqlite in INFERD_HOME)."


@click.group(help="Load features into the online feature store and look them up by key.")
def app() -> None:
    pass


@app.command("materialize")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--entity", required=True, help="The key column, e.g. customer_id.")
@click.option(
    "--timestamp-column", default=None, help="The event-time column (default: the time of the load)."
)
@click.option("--store", "store_url", default=None, help=_STORE_HELP)
@click.option("--chunk-rows", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--timeout-s", type=float, default=10.0, show_default=True, help="Bound on each write.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def materialize_command(
    source: Path,
    entity: str,
    timestamp_column: str | None,
    store_url: str | None,
    chunk_rows: int,
    timeout_s: float,
    progress: bool,
) -> None:
    """Load SOURCE (.parquet or .csv) into the store in chunks; older rows never replace newer ones."""
    from inferd.features import materialize, open_feature_store

    url = _store_url(store_url)
    store = open_feature_store(url, timeout_s=timeout_s)
    try:
        bar = RichRowProgress(f"{source.name} -> {entity}") if progress else None
        written = materialize(
            store,
            source,
            entity=entity,
            timestamp_column=timestamp_column,
            chunk_rows=chunk_rows,
            progress=bar,
        )
    finally:
        store.close()
    console.print(f"materialized {written} row(s) of {entity} into {url}", highlight=False)


@app.command("get")
@click.argument("entity")
@click.argument("keys", nargs=-1, required=True)
@click.option("--feature", "features", multiple=True, help="A feature to show (repeatable; default: all).")
@click.option("--store", "store_url", default=None, help=_STORE_HELP)
def get_command(entity: str, keys: tuple[str, ...], features: tuple[str, ...], store_url: str | None) -> None:
    """Print the features of ENTITY for each KEY, with their event times."""
    import numpy as np

    from inferd.config import FeatureStoreSettings
    from inferd.errors import NotFoundError
    from inferd.features import open_feature_store

    url = _store_url(store_url)
    store = open_feature_store(url, timeout_s=FeatureStoreSettings().timeout_s)
    try:
        names = list(features) or sorted(store.feature_dtypes(entity))
        if not names:
            raise NotFoundError(
                f"entity {entity!r} has no features in {url}; load some with `inferd features materialize`"
            )
        rows = store.get(entity, np.array(keys, dtype=object), names)
    finally:
        store.close()
    console.print(_table(entity, keys, names, rows))


def _store_url(store_url: str | None) -> str:
    from inferd.config import FeatureStoreSettings

    return store_url or FeatureStoreSettings().store_url


def _table(entity: str, keys: tuple[str, ...], names: list[str], rows: FeatureRows) -> Any:
    from rich.table import Table

    table = Table(entity, "found", "event_time", *names)
    for i, key in enumerate(keys):
        found = bool(rows.found[i])
        cells = [_cell(rows.values[name][i]) if found else "-" for name in names]
        table.add_row(key, "yes" if found else "no", _time(rows.event_time_s[i]), *cells)
    return table


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return str(value)


def _time(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


class RichRowProgress:
    """A Rich progress bar counting rows (the features' MaterializeProgress)."""

    def __init__(self, description: str) -> None:
        self._description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def start(self, total_rows: int | None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            "rows",
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self._description, total=total_rows)

    def advance(self, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, rows)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
