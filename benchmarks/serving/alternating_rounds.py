"""One in-process app, a setting switched between rounds (for log_breakdown.py and tracing_ratio.py).

Fresh servers and fresh apps each keep their own luck (two processes of the same code
differ here by up to 3 µs a request), so pieces of a few microseconds are told apart
within one process: the real app (``telemetry_path.py``'s configuration, registry
watcher off) serving the reference model, driven through its RSGI entry point with
64 requests in flight; before each round ``switch(mode)`` sets the mode, a tenth of a
round lets background threads catch up with it, then the round's process CPU a
request (every thread) is noted. The modes' order rotates from cycle to cycle.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import uvloop

from inferd.server.app import InferdApp
from inferd.server.inference_service import InferenceService
from telemetry_path import drive, watchless_setup

WARM_UP_REQUESTS = 3000
Switch = Callable[[InferenceService, str], None]


def service_of(app: InferdApp) -> InferenceService:
    """The app's inference service (the REST API holds it)."""
    service = app._api._service  # type: ignore[union-attr]
    assert isinstance(service, InferenceService)
    return service


def cpu_us_by_mode(
    configuration_name: str, otlp: str, modes: Sequence[str], switch: Switch, requests: int, cycles: int
) -> dict[str, list[float]]:
    """Each mode's process CPU a request, one value a round (see the module docstring)."""
    with tempfile.TemporaryDirectory() as folder:
        configuration, body = watchless_setup(Path(folder), otlp, configuration_name)

        async def run() -> dict[str, list[float]]:
            app = InferdApp(configuration)
            await app.start()
            try:
                await drive(app, body, WARM_UP_REQUESTS)
                return await _rounds(app, body, modes, switch, requests, cycles)
            finally:
                await app.close()

        return uvloop.run(run())


async def _rounds(
    app: InferdApp, body: bytes, modes: Sequence[str], switch: Switch, requests: int, cycles: int
) -> dict[str, list[float]]:
    service = service_of(app)
    cpu_us: dict[str, list[float]] = {mode: [] for mode in modes}
    for cycle in range(cycles):
        shift = cycle % len(modes)
        for mode in [*modes[shift:], *modes[:shift]]:
            switch(service, mode)
            await drive(app, body, requests // 10)  # background threads catch up with the mode
            await asyncio.sleep(0.3)
            started = time.process_time()
            await drive(app, body, requests)
            cpu_us[mode].append((time.process_time() - started) / requests * 1e6)
    switch(service, modes[-1])
    return cpu_us
