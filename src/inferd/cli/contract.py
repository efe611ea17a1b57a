"""``inferd contract``: draft a contract from training data."""

from __future__ import annotations

from pathlib import Path

import typer

from inferd.cli.console import console

app = typer.Typer(help="Feature contracts.", no_args_is_help=True)


@app.command("draft")
def draft(
    data: Path = typer.Argument(..., help="Training data: .csv or .parquet."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the YAML here instead of printing it."
    ),
    target: list[str] | None = typer.Option(None, help="Column(s) to leave out (labels), repeatable."),
) -> None:
    """Derive a draft contract (dtypes, nullability, ranges, allowed values) to review and edit."""
    from inferd.cli.tables import read_table
    from inferd.contract import draft_contract

    frame = read_table(data)
    frame = frame.drop(columns=[c for c in (target or []) if c in frame.columns])
    text = draft_contract(frame).to_yaml()
    if output is None:
        console.print(text, highlight=False, markup=False)
    else:
        output.write_text(text)
        console.print(
            f"wrote {output}: review it, mark pii fields, then pass it to `inferd models register --contract`"
        )
