"""Service-level objectives: per-model availability and latency targets, read from a config file.

A config file (YAML or JSON) lists objectives::

    objectives:
      - {model: iris, availability: 0.995, latency: {threshold_s: 0.1, target: 0.99}, window: 28d}
      - {model: "*", availability: 0.999}

``model: "*"`` is the default for every model that has no entry of its own; a model
with its own entry uses only that entry. ``availability`` is the fraction of requests
that must not fail on the service's side (5xx and 429; other 4xx are the client's
doing and do not count). ``latency`` asks that ``target`` of all requests finish within
``threshold_s``, which must be one of the request-duration histogram's buckets so that
Prometheus can count them exactly. :mod:`inferd.telemetry.slo_rules` turns objectives
into Prometheus rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from inferd.errors import InvalidInputError

ANY_MODEL = "*"
# The buckets of ``inferd_request_duration_seconds``: a latency threshold must be one of them.
REQUEST_DURATION_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WINDOW = re.compile(r"^[1-9][0-9]*[dhw]$")
_MODEL = re.compile(r"^[A-Za-z0-9_.\-]+$")
_OBJECTIVE_KEYS = {"model", "availability", "latency", "window"}
_LATENCY_KEYS = {"threshold_s", "target"}


@dataclass(frozen=True)
class LatencyObjective:
    """``target`` (a fraction) of requests must finish within ``threshold_s`` seconds."""

    threshold_s: float
    target: float

    @property
    def bucket(self) -> str:
        """The histogram's ``le`` label for the threshold, spelt as prometheus_client does ("0.1", "1.0")."""
        return repr(float(self.threshold_s))


@dataclass(frozen=True)
class Objective:
    """The objectives of one model (or of every other model, when ``model`` is ``"*"``)."""

    model: str
    availability: float | None = None
    latency: LatencyObjective | None = None
    window: str = "28d"

    @property
    def is_default(self) -> bool:
        return self.model == ANY_MODEL


def load_objectives(path: Path) -> tuple[Objective, ...]:
    """Read and check a YAML or JSON objectives file; errors name the file and the bad key."""
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InvalidInputError(f"cannot read SLO config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"SLO config {path} is not valid YAML or JSON: {exc}") from exc
    try:
        return parse_objectives(document)
    except InvalidInputError as exc:
        raise InvalidInputError(f"SLO config {path}: {exc}") from exc


def parse_objectives(document: object) -> tuple[Objective, ...]:
    """Check a parsed config document (``{"objectives": [...]}``) and return its objectives."""
    if not isinstance(document, Mapping) or set(document) != {"objectives"}:
        raise InvalidInputError("the top level must be a mapping with the single key 'objectives'")
    entries = document["objectives"]
    if not isinstance(entries, list) or not entries:
        raise InvalidInputError("'objectives' must be a non-empty list")
    objectives = tuple(_objective(entry, f"objectives[{i}]") for i, entry in enumerate(entries))
    _check_unique(objectives)
    return objectives


def _objective(entry: object, where: str) -> Objective:
    if not isinstance(entry, Mapping):
        raise InvalidInputError(f"{where} must be a mapping with 'model' and 'availability' or 'latency'")
    _check_keys(entry, _OBJECTIVE_KEYS, where)
    model = entry.get("model")
    if not isinstance(model, str) or not (model == ANY_MODEL or _MODEL.match(model)):
        raise InvalidInputError(
            f"{where}.model: {model!r} must be a model name (letters, digits, '_', '.', '-') or '*'"
        )
    if "availability" not in entry and "latency" not in entry:
        raise InvalidInputError(f"{where} (model {model!r}) needs 'availability' or 'latency' or both")
    availability = entry.get("availability")
    latency = entry.get("latency")
    window = entry.get("window", "28d")
    if not isinstance(window, str) or not _WINDOW.match(window):
        raise InvalidInputError(
            f"{where}.window: {window!r} must be a duration in days, hours or weeks, e.g. 28d"
        )
    return Objective(
        model=model,
        availability=None if availability is None else _fraction(availability, f"{where}.availability"),
        latency=None if latency is None else _latency(latency, f"{where}.latency"),
        window=window,
    )


def _latency(entry: object, where: str) -> LatencyObjective:
    if not isinstance(entry, Mapping):
        raise InvalidInputError(f"{where} must be a mapping with 'threshold_s' and 'target'")
    _check_keys(entry, _LATENCY_KEYS, where)
    missing = sorted(_LATENCY_KEYS - set(entry))
    if missing:
        raise InvalidInputError(f"{where}.{missing[0]} is missing")
    threshold_s = entry["threshold_s"]
    if isinstance(threshold_s, bool) or not isinstance(threshold_s, int | float):
        raise InvalidInputError(f"{where}.threshold_s: {threshold_s!r} must be a number of seconds")
    if float(threshold_s) not in REQUEST_DURATION_BUCKETS_S:
        buckets = ", ".join(repr(b) for b in REQUEST_DURATION_BUCKETS_S)
        raise InvalidInputError(
            f"{where}.threshold_s: {threshold_s!r} is not a bucket of inferd_request_duration_seconds;"
            f" choose one of {buckets}"
        )
    return LatencyObjective(
        threshold_s=float(threshold_s), target=_fraction(entry["target"], f"{where}.target")
    )


def _fraction(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InvalidInputError(
            f"{where}: {value!r} must be a fraction between 0 and 1 (exclusive), e.g. 0.995"
        )
    return float(value)


def _check_keys(entry: Mapping[Any, object], allowed: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown key {unknown[0]!r}; allowed keys are {', '.join(sorted(allowed))}"
        )


def _check_unique(objectives: tuple[Objective, ...]) -> None:
    seen: set[str] = set()
    for i, objective in enumerate(objectives):
        if objective.model in seen:
            raise InvalidInputError(
                f"objectives[{i}].model: {objective.model!r} appears twice; give each model one entry"
            )
        seen.add(objective.model)
