"""Run the server: granian worker processes sharing the HTTP port, each with gRPC on SO_REUSEPORT."""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial

from inferd.server.affinity import CLAIMS_ENV
from inferd.server.settings import CONFIG_ENV, SYNC_ENV, Configuration
from inferd.server.startup_signals import SignalAwareApp, StartupSignals, StopNotice
from inferd.telemetry.metrics import MULTIPROCESS_ENV


def serve(configuration: Configuration) -> None:
    """Serve until SIGTERM/SIGINT, from the first moment on; returns after a graceful shutdown."""
    signals = StartupSignals()
    notice = signals.hold()
    try:
        _serve(configuration, signals, notice)
    finally:
        signals.release()


def _serve(configuration: Configuration, signals: StartupSignals, notice: StopNotice) -> None:
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
    claims_dir = None
    if server.cpu_affinity:  # where the workers claim their CPUs, one each (see inferd.server.affinity)
        claims_dir = tempfile.mkdtemp(prefix="inferd-cpus-")
        os.environ[CLAIMS_ENV] = claims_dir
    sync_dir = None
    os.environ.pop(SYNC_ENV, None)  # one inherited from another server would join its workers
    if server.workers > 1:  # where a repository call taken by one worker reaches the others
        sync_dir = tempfile.mkdtemp(prefix="inferd-workers-")
        os.environ[SYNC_ENV] = sync_dir
    try:
        granian = Granian(
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
        )
        granian.on_startup(signals.hand_to_granian)
        # Our loader builds what the target names, wrapped so that a worker stopped while it is
        # still starting hears of it. granian's hint wants a callable app; an RSGI object is one too.
        granian.serve(target_loader=partial(_load_app, notice), wrap_loader=False)  # type: ignore[arg-type]
    finally:
        for folder in (metrics_dir, claims_dir, sync_dir):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def _load_app(notice: StopNotice) -> SignalAwareApp:
    """granian's loader, run in each worker before granian installs the worker's signal handlers."""
    from inferd.server.app import create_app

    return SignalAwareApp(create_app(), notice)
