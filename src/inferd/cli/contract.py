"""``inferd contract``: draft a contract from training data."""

from __future__ import annotations

from pathlib import Path

import click

from inferd.cli.console import console


@click.group(help="Feature contracts.")
def app() -> None:
    pass


@app.command("draft")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the YAML here instead of printing it.",
)
@click.option("--target", multiple=True, help="Column(s) to leave out (labels), repeatable.")
def draft(
    data: Path,
    output: Path | None,
    target: tuple[str, ...],
) -> None:
    """Derive a draft contract (dtypes, nullability, ranges, allowed values) to review and edit."""
    from inferd.cli.tables import read_table
    from inferd.contract import draft_contract

    frame = read_table(data)
    frame = frame.drop(columns=[c for c in target if c in frame.columns])
    text = draft_contract(frame).to_yaml()
    if output is None:
        console.print(text, highlight=False, markup=False)
    else:
        output.write_text(text)
        console.print(
            f"wrote {output}: review it, mark pii fields, then pass it to `inferd models register --contract`"
        )
