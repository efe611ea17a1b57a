"""Run the server: granian worker processes sharing the HTTP port, each with gRPC on SO_REUSEPORT."""

from __future__ import annotations

import os

from inferd.server.settings import CONFIG_ENV, Configuration


def serve(configuration: Configuration) -> None:
    """Serve until SIGTERM/SIGINT; returns after a graceful shutdown."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    os.environ[CONFIG_ENV] = configuration.to_json()
    server = configuration.server
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
