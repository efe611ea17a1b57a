"""A running inferd under a little load, scraped by a real Prometheus that also holds the SLO rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from inferd.telemetry.slo import parse_objectives
from inferd.telemetry.slo_rules import slo_rules_yaml
from tests.deploy.prometheus import Prometheus, prometheus_executable, start_prometheus
from tests.deploy.workload import SERVED, SLOW_BATCHING, Load, build_home
from tests.server.fixtures import RunningServer, start_server

#: The objectives whose recording rules the dashboards' burn-rate panels read (the boards' defaults).
OBJECTIVES = {
    "objectives": [{"model": "*", "availability": 0.995, "latency": {"threshold_s": 0.1, "target": 0.99}}]
}


@dataclass(frozen=True)
class Observed:
    """The server, the Prometheus that scraped it, and what the load was answered."""

    server: RunningServer
    prometheus: Prometheus
    load: Load


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    prometheus_executable()  # skip (or fail under CI) before paying for models and a server
    folder = tmp_path_factory.mktemp("observed")
    build_home(folder / "home", folder / "models")
    server = start_server(
        folder / "home",
        *("--grpc-port", "0", "--model-batching", SLOW_BATCHING),
        *("--price-per-replica-hour", "3.6"),
        *("--prediction-log", str(folder / "predictions"), "--pii-mode", "drop"),
    )
    try:
        prometheus = start_prometheus(
            folder / "prometheus",
            [f"127.0.0.1:{server.http_port}"],
            rules=slo_rules_yaml(parse_objectives(OBJECTIVES)),
        )
        try:
            yield Observed(server, prometheus, _drive(server, prometheus))
        finally:
            prometheus.stop()
    finally:
        server.stop()


def _drive(server: RunningServer, prometheus: Prometheus) -> Load:
    """Warm up, let Prometheus see the series, send the load, and wait until it has seen all of it."""
    load = Load(server)
    load.warm_up()
    prometheus.wait_until("sum(inferd_requests_total)", sum(load.answered.values()))
    load.send()
    prometheus.wait_until("sum(inferd_requests_total)", sum(load.answered.values()))
    prometheus.wait_for_scrapes(2)  # the series the load made need a second sample for a rate
    # The last recording of the error ratio that includes the load's failures, and the writer's flush.
    served = "|".join(SERVED)
    prometheus.wait_until(f'count(model:inferd_request_errors:ratio_rate5m{{model=~"{served}"}} > 0)', 1)
    prometheus.wait_until('count(inferd_prediction_log_records_total{outcome="written"} > 0)', 1)
    return load
