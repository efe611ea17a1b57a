"""Reading rows from the files a user points the CLI at (JSON, CSV, Parquet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from inferd.errors import InvalidInputError
from inferd.tensors import Batch

if TYPE_CHECKING:
    import pandas as pd


def read_table(path: Path) -> pd.DataFrame:
    """A DataFrame from ``.json`` (a list of row objects, or JSON lines), ``.csv`` or ``.parquet``."""
    import pandas as pd

    if not path.exists():
        raise InvalidInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".json", ".jsonl"):
            return pd.DataFrame.from_records(_json_rows(path))
    except (ValueError, OSError) as exc:
        raise InvalidInputError(f"{path}: cannot read it as {suffix[1:]}: {exc}") from exc
    raise InvalidInputError(
        f"{path}: unsupported input format {suffix!r}; use .json, .jsonl, .csv or .parquet"
    )


def _json_rows(path: Path) -> list[dict[str, object]]:
    text = path.read_text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict) and "instances" in data:
        data = data["instances"]
    if not isinstance(data, list):
        raise InvalidInputError(f"{path}: expected a JSON list of row objects")
    for row, item in enumerate(data):
        if not isinstance(item, dict):
            raise InvalidInputError(f"{path}: row {row} is not an object of field -> value")
    return data


def frame_to_batch(frame: pd.DataFrame) -> Batch:
    """Columns as numpy arrays; text columns become object arrays with None for missing values."""
    batch: Batch = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind in "biufc":
            batch[str(name)] = column.to_numpy()
        else:
            values = column.astype(object).to_numpy(copy=True)
            values[column.isna().to_numpy()] = None
            batch[str(name)] = values
    return batch
