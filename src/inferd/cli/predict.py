"""``inferd predict``: score rows from a file in-process, for smoke tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from inferd.cli.console import RichTransferProgress, console, err_console

if TYPE_CHECKING:
    import numpy as np

    from inferd.tensors import Batch


@click.command("predict")
@click.argument("ref")
@click.option(
    "--input",
    "-i",
    "input_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Rows as .json, .jsonl, .csv or .parquet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@click.option("--trust-pickle", is_flag=True, help="Allow pickle/joblib artifacts (unpickling runs code).")
def predict(
    ref: str,
    input_path: Path,
    as_json: bool,
    trust_pickle: bool,
) -> None:
    """Validate the rows against the version's contract and print the model's outputs."""
    from inferd.cli.tables import frame_to_batch, read_table
    from inferd.registry import Registry
    from inferd.runtimes import RuntimeOptions
    from inferd.serving.loaded_model import load_model
    from inferd.serving.one_shot import predict_in_process

    frame = read_table(input_path)
    with Registry.open() as registry:
        model = load_model(
            registry, ref, options=RuntimeOptions(trust_pickle=trust_pickle), progress=RichTransferProgress()
        )
    result = predict_in_process(model, frame_to_batch(frame))
    for reason in result.degraded:
        err_console.print(f"[yellow]degraded:[/] {reason}", highlight=False)
    rows = output_rows(result.outputs)
    if as_json:
        for row in rows:
            console.print(json.dumps(row), highlight=False, markup=False, soft_wrap=True)
        return
    render_rows(model.version.ref, rows)


def output_rows(outputs: Batch) -> list[dict[str, Any]]:
    """One ``{output: value}`` dict per row, with plain Python values."""
    names = list(outputs)
    columns = [_plain(outputs[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _plain(array: np.ndarray) -> list[Any]:
    import numpy as np

    if array.dtype.kind == "f":
        return np.round(array, 6).tolist()  # type: ignore[no-any-return]
    if array.dtype == object:
        return [v.decode() if isinstance(v, bytes) else v for v in array.tolist()]
    return array.tolist()  # type: ignore[no-any-return]


def render_rows(ref: str, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table("row", *(rows[0].keys() if rows else ()), title=ref)
    for i, row in enumerate(rows):
        table.add_row(str(i), *(_short(v) for v in row.values()))
    console.print(table)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
