"""Prometheus metrics of a server process: what each stage of each request costs, and how models behave.

:class:`ServerMetrics` owns every metric of one worker process (nothing is registered
at import time); :class:`ModelMetrics` holds one served version's series, bound once
so the request path never looks labels up. With ``--workers N`` the values live in
prometheus_client's multi-process files (``PROMETHEUS_MULTIPROC_DIR``, set by the
runner) and any worker's ``/metrics`` answers for all of them.

This package's top level imports no prometheus_client, so that ``inferd serve`` can
set the multi-process folder before any worker imports it: import the recorders
from :mod:`.server_metrics` and :mod:`.model_metrics`.
"""

from inferd.telemetry.metrics.multiprocess import MULTIPROCESS_ENV
from inferd.telemetry.metrics.settings import MetricsSettings

__all__ = ["MULTIPROCESS_ENV", "MetricsSettings"]
