"""Run the server: granian worker processes sharing the HTTP port, each with gRPC on SO_REUSEPORT."""

from __future__ import annotations

import os
import shutil
import tempfile

from inferd.server.settings import CONFIG_ENV, Configuration
from inferd.telemetry.metrics import MULTIPROCESS_ENV


def serve(configuration: Configuration) -> None:
    """Serve until SIGTERM/SIGINT; returns after a graceful shutdown."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    os.environ[CONFIG_ENV] = configuration.to_json()
    server = configuration.server
    # Several workers share one /metrics: each writes its values to files in one
    # folder, read back by whichever worker is scraped. The variable must be set
    # before a worker imports prometheus_client; a folder the user set is kept.
    metrics_dir = None
    if server.workers > 1 and configuration.metrics.enabled and not os.environ.get(MULTIPROCESS_ENV):
        metrics_dir = tempfile.mkdtemp(prefix="inferd-metrics-")
        os.environ[MULTIPROCESS_ENV] = metrics_dir
    try:
        Granian(
            "inferd.server.app:create_app",
            factory=True,
            address=server.host,
            port=server.http_port,
            interface=Interfaces.RSGI,
            workers=server.workers,
            loop=Loops.uvloop,
            backlog=2048,
            log_access=False,
            websockets=False,
            workers_kill_timeout=int(server.shutdown_timeout_s) + 5,
        ).serve()
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
