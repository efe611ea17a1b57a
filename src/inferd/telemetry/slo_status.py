"""Where each objective stands on a running server: its SLI, error budget left and burn rate.

Read from two scrapes of the server's ``/metrics`` (``inferd slo status`` takes them
``interval_s`` apart), without a Prometheus: the counters are cumulative since the
server started, so the second scrape gives each SLI since then, and the difference
between the two gives the rate at which the budget burns now.

The figures are those of :mod:`inferd.telemetry.slo_rules`: a request fails the
availability objective when it is answered 5xx or 429 (other 4xx are the client's
mistake), and the latency objective when it takes longer than the threshold (every
request counts). For an objective ``target``, the error budget is ``1 - target``::

    budget left = 1 - bad fraction since start / (1 - target)      (below 0: the objective is missed)
    burn rate   = bad fraction in the interval / (1 - target)      (1: spending exactly the budget)

A model without requests has no SLI ("no traffic"), as has an interval without requests
no burn rate. Counters that went down between the scrapes mean the server restarted;
the interval then counts from the restart, as Prometheus' ``rate`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from inferd.errors import InvalidInputError
from inferd.telemetry.slo import ANY_MODEL, Objective

REQUESTS = "inferd_requests_total"
DURATION = "inferd_request_duration_seconds"
LOADED = "inferd_model_loaded"


def is_failure(code: str) -> bool:
    """Whether an answer with HTTP status ``code`` spends the availability budget: 5xx and 429."""
    return code == "429" or not code.startswith(("2", "4"))


@dataclass
class ModelCounts:
    """The cumulative counts of one model on one server, as one scrape shows them."""

    requests: float = 0.0
    failed: float = 0.0
    timed: float = 0.0  # requests in the request-duration histogram
    #: A bucket's bound in seconds -> the requests that took at most that long.
    within: dict[float, float] = field(default_factory=dict)


#: One scrape: the counts of each model the server serves or has answered for.
Snapshot = dict[str, ModelCounts]


def read_snapshot(text: str) -> Snapshot:
    """The per-model counts in an exposition text (what ``GET /metrics`` returns).

    Series are summed over versions, protocols and codes. A loaded model without
    requests is listed with zero counts; requests that named no served model
    (``model=""``) belong to no objective and are left out.
    """
    snapshot: Snapshot = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            model, name, value = sample.labels.get("model", ""), sample.name, sample.value
            if not model or name not in _READ or (name == LOADED and value <= 0):
                continue
            counts = snapshot.setdefault(model, ModelCounts())
            if name == REQUESTS:
                counts.requests += value
                counts.failed += value if is_failure(sample.labels.get("code", "")) else 0.0
            elif name == f"{DURATION}_bucket":
                bound_s = float(sample.labels["le"])
                counts.within[bound_s] = counts.within.get(bound_s, 0.0) + value
            elif name == f"{DURATION}_count":
                counts.timed += value
    return snapshot


_READ = {REQUESTS, f"{DURATION}_bucket", f"{DURATION}_count", LOADED}


@dataclass(frozen=True)
class SliStatus:
    """One objective of one model: ``None`` where there were no requests to judge."""

    model: str
    sli: str  # "availability" or "latency"
    target: float
    window: str
    threshold_s: float | None  # the latency objective's threshold
    requests: float  # since the server started
    sli_value: float | None  # the share of good requests since the server started
    budget_left: float | None
    interval_requests: float
    burn_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        """The fields, figures to 12 significant digits (-499.0, not -498.99999999999955)."""
        return {key: _tidy(value) for key, value in asdict(self).items()}


def slo_status(objectives: Iterable[Objective], before: Snapshot, after: Snapshot) -> list[SliStatus]:
    """Each objective of each model, from two scrapes (``before`` the earlier).

    The models are those the scrapes show and those the objectives name; a model gets
    its own objective, or else the ``"*"`` one, or none. A ``"*"`` objective that no
    model falls under is shown once, as model ``"*"`` without traffic.
    """
    objectives = tuple(objectives)
    own = {o.model: o for o in objectives if not o.is_default}
    default = next((o for o in objectives if o.is_default), None)
    statuses: list[SliStatus] = []
    models = sorted(set(after) | set(before) | set(own))
    for model in models:
        objective = own.get(model, default)
        if objective is not None:
            statuses += _model_status(model, objective, before.get(model), after.get(model))
    if default is not None and not any(model not in own for model in models):
        statuses += _model_status(ANY_MODEL, default, None, None)
    return statuses


def status_document(statuses: Iterable[SliStatus], interval_s: float) -> dict[str, Any]:
    """The statuses as JSON for machines: ``null`` where there was no traffic."""
    return {"interval_s": interval_s, "objectives": [status.to_dict() for status in statuses]}


def _tidy(value: object) -> object:
    return float(f"{value:.12g}") if isinstance(value, float) else value


def _model_status(
    model: str, objective: Objective, before: ModelCounts | None, after: ModelCounts | None
) -> list[SliStatus]:
    before, after = before or ModelCounts(), after or ModelCounts()
    out = []
    if objective.availability is not None:
        out.append(
            _status(
                model,
                "availability",
                objective,
                objective.availability,
                None,
                (before.failed, before.requests),
                (after.failed, after.requests),
            )
        )
    if objective.latency is not None:
        threshold_s = objective.latency.threshold_s
        out.append(
            _status(
                model,
                "latency",
                objective,
                objective.latency.target,
                threshold_s,
                _slow(before, threshold_s, model),
                _slow(after, threshold_s, model),
            )
        )
    return out


def _slow(counts: ModelCounts, threshold_s: float, model: str) -> tuple[float, float]:
    """(requests slower than ``threshold_s``, all timed requests)."""
    if counts.timed == 0:
        return 0.0, 0.0
    within = counts.within.get(threshold_s)
    if within is None:
        bounds = ", ".join(f"{bound:g}" for bound in sorted(counts.within))
        raise InvalidInputError(
            f"model {model!r}: the server has no latency bucket at {threshold_s:g} s (it has {bounds});"
            " choose a threshold_s among them"
        )
    return counts.timed - within, counts.timed


def _status(
    model: str,
    sli: str,
    objective: Objective,
    target: float,
    threshold_s: float | None,
    before: tuple[float, float],
    after: tuple[float, float],
) -> SliStatus:
    budget = 1.0 - target
    bad, total = after
    restarted = after[0] < before[0] or after[1] < before[1]
    interval_bad, interval_total = after if restarted else (bad - before[0], total - before[1])
    sli_value = budget_left = burn_rate = None
    if total > 0:
        sli_value = 1.0 - bad / total
        budget_left = 1.0 - (bad / total) / budget
    if interval_total > 0:
        burn_rate = (interval_bad / interval_total) / budget
    return SliStatus(
        model=model,
        sli=sli,
        target=target,
        window=objective.window,
        threshold_s=threshold_s,
        requests=total,
        sli_value=sli_value,
        budget_left=budget_left,
        interval_requests=interval_total,
        burn_rate=burn_rate,
    )
