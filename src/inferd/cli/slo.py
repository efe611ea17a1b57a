"""``inferd slo``: service-level objectives and their Prometheus rules."""

from __future__ import annotations

from pathlib import Path

import click

from inferd.cli.console import console


@click.group(help="Service-level objectives: error budgets and burn-rate alerts.")
def app() -> None:
    pass


@app.command("rules")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the rules here instead of printing them.",
)
def rules(config: Path, output: Path | None) -> None:
    """Generate Prometheus recording and burn-rate alerting rules from an objectives file (YAML or JSON)."""
    from inferd.telemetry.slo import load_objectives
    from inferd.telemetry.slo_rules import slo_rules_yaml

    text = slo_rules_yaml(load_objectives(config))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        console.print(
            f"wrote {output}: check it with `promtool check rules {output}`, then add it to rule_files"
        )
