"""``inferd slo``: service-level objectives, their Prometheus rules, and where a running server stands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from inferd.cli.console import console

if TYPE_CHECKING:
    from rich.table import Table

    from inferd.telemetry.slo_status import SliStatus


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


@app.command("status")
@click.option("--url", default="http://127.0.0.1:8080", help="The running server.", show_default=True)
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    required=True,
    help="The objectives file (YAML or JSON), as for `inferd slo rules`.",
)
@click.option(
    "--interval-s",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="Seconds between the two scrapes of /metrics: the burn rate is measured over them.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(url: str, config: Path, interval_s: float, as_json: bool) -> None:
    """Show each objective's SLI and error budget left since the server started, and its burn rate now."""
    import json
    import time

    from inferd.telemetry.slo import load_objectives
    from inferd.telemetry.slo_status import read_snapshot, slo_status, status_document

    objectives = load_objectives(config)
    before = read_snapshot(_scrape(url))
    time.sleep(interval_s)
    statuses = slo_status(objectives, before, read_snapshot(_scrape(url)))
    if as_json:
        click.echo(json.dumps(status_document(statuses, interval_s), indent=2))
    else:
        console.print(_status_table(statuses, interval_s))


def _scrape(url: str) -> str:
    """The exposition text of ``url``'s /metrics; errors say whether the server is down or has no metrics."""
    import urllib.error
    import urllib.request

    from inferd.errors import NotFoundError, UnavailableError

    metrics_url = f"{url.rstrip('/')}/metrics"
    try:
        with urllib.request.urlopen(metrics_url, timeout=30) as response:
            return bytes(response.read()).decode()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFoundError(
                f"{metrics_url} is not served: was the server started with --no-metrics?"
            ) from exc
        raise UnavailableError(f"{metrics_url} answered {exc.code} {exc.reason}") from exc
    except OSError as exc:
        raise UnavailableError(f"cannot reach the server at {url}: {exc}") from exc


def _status_table(statuses: list[SliStatus], interval_s: float) -> Table:
    from rich.table import Table

    from inferd.telemetry.slo_rules import BURN_RATE_ALERTS

    page_burn_rate = max(alert.burn_rate for alert in BURN_RATE_ALERTS)
    table = Table(
        "model",
        "objective",
        "requests",
        "SLI",
        "budget left",
        f"burn rate ({interval_s:g} s)",
        title="SLOs since the server started",
        caption=f"1x spends the error budget exactly over the window; fast-burn pages at {page_burn_rate:g}x",
    )
    for s in statuses:
        objective = f"{s.sli} {s.target * 100:.10g}%"
        if s.threshold_s is not None:
            objective += f" within {s.threshold_s:g} s"
        table.add_row(
            s.model,
            f"{objective} / {s.window}",
            f"{s.requests:.0f}",
            "no traffic" if s.sli_value is None else f"{s.sli_value * 100:.3f}%",
            _budget(s.budget_left),
            _burn(s.burn_rate, page_burn_rate),
        )
    return table


def _budget(left: float | None) -> str:
    if left is None:
        return "-"
    style = "red" if left < 0 else "yellow" if left < 0.25 else "green"
    return f"[{style}]{left * 100:.1f}%[/]"


def _burn(rate: float | None, page_burn_rate: float) -> str:
    if rate is None:
        return "no traffic"
    style = "bold red" if rate >= page_burn_rate else "yellow" if rate > 1 else "green"
    return f"[{style}]{rate:.2f}x[/]"
