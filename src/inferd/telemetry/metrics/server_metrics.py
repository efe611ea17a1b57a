"""Every metric of one server process, and the ``/metrics`` page.

Values are recorded where they happen, those of every request as appends that
are published in bulk (see :mod:`~inferd.telemetry.metrics.deferred`), or
sampled about once a second by the server (queue depth, memory, breaker state,
throughput), so the request path never waits on telemetry. In
multi-process mode (``PROMETHEUS_MULTIPROC_DIR`` set before prometheus_client is
imported, which ``inferd serve --workers N`` does) each process writes its own
files and :meth:`ServerMetrics.render` merges every worker's, so any worker
answers for the whole replica.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from inferd.telemetry.metrics import names
from inferd.telemetry.metrics.deferred import Deferred, DeferredRequests
from inferd.telemetry.metrics.families import Families
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.telemetry.metrics.multiprocess import MULTIPROCESS_ENV
from inferd.telemetry.metrics.settings import MetricsSettings

PROTOCOLS = ("rest", "grpc")
# Statuses made at 0 for every served version (others appear when first answered).
USUAL_CODES = (200, 400, 404, 429, 500, 503, 504)
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ServerMetrics:
    """The metrics of one worker process; made by the server at start, closed at exit."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, settings: MetricsSettings, *, inferd_version: str, compiled: bool = False) -> None:
        self._settings = settings
        # ``_created`` series double the page and no dashboard or rule reads them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self._registry = CollectorRegistry(auto_describe=False)
        self._multiprocess_dir = os.environ.get(MULTIPROCESS_ENV) or None
        self.families = Families.create(self._registry, multiprocess=self._multiprocess_dir is not None)
        memory = self.families.resident_memory
        self._memory = memory if self._multiprocess_dir is not None else memory.labels(str(os.getpid()))
        if self._multiprocess_dir is None:
            ProcessCollector(registry=self._registry)
        self.families.build_info.labels(inferd_version, str(compiled).lower()).set(1)
        self._deferred = Deferred()
        self._requests: dict[tuple[str, str, str, int], DeferredRequests] = {}
        self._rows_seen: deque[tuple[float, int]] = deque()

    @property
    def is_multiprocess(self) -> bool:
        return self._multiprocess_dir is not None

    def for_model(self, model: str, version: int) -> ModelMetrics:
        """The series of one version, the usual ones made at 0 now.

        ``rate()`` and ``increase()`` count from a series' first sample, so an error
        whose series is born with it would never be counted by the SLO rules and alerts.
        """
        for protocol in PROTOCOLS:
            for code in USUAL_CODES:
                self._request_series(model, str(version), protocol, code)
        self.families.model_load_failures.labels(model)
        return ModelMetrics(self.families, model, version, self._deferred)

    def observe_request(self, model: str, version: str, protocol: str, code: int, seconds: float) -> None:
        """One inference request answered with ``code`` (an HTTP status) after ``seconds``."""
        series = self._requests.get((model, version, protocol, code))
        if series is None:
            series = self._request_series(model, version, protocol, code)
        series.observe(seconds)

    def _request_series(self, model: str, version: str, protocol: str, code: int) -> DeferredRequests:
        count = self.families.requests.labels(model, version, protocol, str(code))
        duration = self.families.request_duration.labels(model, version, protocol)  # one for every code
        series = self._requests[(model, version, protocol, code)] = self._deferred.requests(count, duration)
        return series

    def publish(self) -> None:
        """Add what the request path recorded since the last time to the series (see ``deferred``)."""
        self._deferred.publish()

    # -- sampled values -------------------------------------------------------------------------

    def sample_process(self, now_s: float, rows_served: int) -> None:
        """Memory and throughput of this process; ``rows_served`` is cumulative."""
        self._memory.set(resident_memory_bytes())
        seen = self._rows_seen
        seen.append((now_s, rows_served))
        while len(seen) > 2 and now_s - seen[1][0] >= self._settings.throughput_window_s:
            seen.popleft()
        first_s, first_rows = seen[0]
        if now_s > first_s:
            self.families.throughput.set((rows_served - first_rows) / (now_s - first_s))

    def set_in_flight(self, model: str, requests: int) -> None:
        self.families.in_flight.labels(model).set(requests)

    def set_breaker_state(self, dependency: str, state: str) -> None:
        self.families.breaker_state.labels(dependency).set(names.BREAKER_VALUES[state])

    def on_model_load_failed(self, model: str) -> None:
        self.families.model_load_failures.labels(model).inc()

    def add_prediction_log_records(self, outcome: str, count: int) -> None:
        if count:
            self.families.prediction_log_records.labels(outcome).inc(count)

    # -- the page ---------------------------------------------------------------------------------

    def render(self) -> bytes:
        """The exposition text of this replica (every worker's, in multi-process mode)."""
        self.publish()
        families = list(self._source().collect())
        return generate_latest(_Collected([*families, *self._cost(families)]))

    def close(self) -> None:
        """Forget this process's live gauges (multi-process mode): it is exiting."""
        if self._multiprocess_dir is not None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid(), self._multiprocess_dir)  # type: ignore[no-untyped-call]

    def _source(self) -> CollectorRegistry:
        if self._multiprocess_dir is None:
            return self._registry
        from prometheus_client import multiprocess

        merged = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(merged, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
        return merged

    def _cost(self, families: Iterable[Metric]) -> list[Metric]:
        price = self._settings.price_per_replica_hour
        if price is None:
            return []
        price_family = GaugeMetricFamily(names.PRICE, "Configured price of one replica-hour.")
        price_family.add_metric([], price)
        throughput = sum(sample.value for f in families if f.name == names.THROUGHPUT for sample in f.samples)
        if throughput <= 0:
            return [price_family]
        cost = GaugeMetricFamily(names.COST, "Price of one inference: replica price / inferences per hour.")
        cost.add_metric([], price / (throughput * 3600.0))
        return [price_family, cost]


class _Collected:
    """Already-collected families, in the shape ``generate_latest`` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def resident_memory_bytes() -> int:
    """This process's resident set now (Linux ``/proc``), or its peak where ``/proc`` is missing."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
