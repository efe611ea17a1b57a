"""Reading the Grafana dashboards in deploy/grafana as a test needs them: panels, targets, variables.

Grafana expands a query's variables before sending it to Prometheus; :func:`expand` does
the same with fixed values, so that a test can send every panel's query itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
BOARDS = ("executive", "oncall", "debug")
#: What Grafana's built-in variables become in the tests: windows long enough to hold the test's load.
BUILT_INS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Target:
    """One query of one panel, with where it comes from (for messages)."""

    board: str
    panel_id: int
    panel_title: str
    ref_id: str
    expr: str
    instant: bool

    def __str__(self) -> str:
        return f"{self.board} panel {self.panel_id} {self.panel_title!r} target {self.ref_id}"


def load(board: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GRAFANA / f"{board}.json").read_text())
    return document


def panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows and the panels inside collapsed rows included."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def targets(board: str, dashboard: Mapping[str, Any]) -> Iterator[Target]:
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield Target(
                board,
                panel["id"],
                panel.get("title", ""),
                target.get("refId", ""),
                target.get("expr", ""),
                bool(target.get("instant")) and not target.get("range"),
            )


def variables(dashboard: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in dashboard["templating"]["list"]}


def referenced(text: str) -> set[str]:
    """The names of the variables ``text`` uses, in any of Grafana's three spellings."""
    return {next(group for group in match.groups() if group) for match in _VARIABLE.finditer(text)}


def expand(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each variable replaced by ``values[name]``; a KeyError names an unknown one."""

    def replace(match: re.Match[str]) -> str:
        return values[next(group for group in match.groups() if group)]

    return _VARIABLE.sub(replace, text)


def current_values(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """The selected value of each custom variable (what the board shows when opened)."""
    return {
        name: str(variable["current"]["value"])
        for name, variable in variables(dashboard).items()
        if variable["type"] in ("custom", "constant", "textbox")
    }
