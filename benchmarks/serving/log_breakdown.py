"""Where the prediction log's cost goes: its pieces switched on one by one in one process, rounds alternating.

Run: .venv/bin/python benchmarks/serving/log_breakdown.py [--requests 20000] [--cycles 8]

Fresh servers (``telemetry_overhead.py``) and fresh apps (``telemetry_path.py``)
each keep their own luck: two processes running the same code here differ by up to
3 µs a request, as much as the pieces to be told apart. So this runs one app (the
real one, the reference model behind the real batcher, driven through its RSGI
entry point with 64 requests in flight as ``telemetry_path.py`` does) and switches
the log's pieces between rounds, in an order rotated from cycle to cycle; each
figure is the median of ``--cycles`` rounds of the process's CPU time a request
(serving thread, writer and batcher together):

- ``off``: no prediction log (no id, no logging context, nothing offered);
- ``records only``: the id, the logging context, the id in the answer and the
  record are made, and ``submit`` returns at once;
- ``queued, not written``: ``submit`` as shipped (it compacts the buffer every
  ``COMPACT_RECORDS`` requests), and the writer drops what it drains;
- ``as shipped``: the writer writes Parquet too.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from inferd.server.app import InferdApp
from inferd.server.inference_service import InferenceService
from inferd.telemetry.prediction_log import PredictionLog, PredictionRecord
from inferd.telemetry.prediction_log.writer import Drained, Writer
from reference_home import prepare_home, reference_row, write_body
from telemetry_path import configurations, drive

MODES = ("off", "records only", "queued, not written", "as shipped")
WARM_UP_REQUESTS = 3000


class Switches:
    """The mode of the rounds now running; the log's submit and the writer's flush read it."""

    mode = "as shipped"

    @classmethod
    def install(cls) -> None:
        submit, flush = PredictionLog.submit, Writer._flush

        def switched_submit(log: PredictionLog, record: PredictionRecord) -> bool:
            return True if cls.mode == "records only" else submit(log, record)

        def switched_flush(writer: Writer, items: Drained) -> None:
            if cls.mode != "queued, not written":
                flush(writer, items)

        PredictionLog.submit = switched_submit  # type: ignore[method-assign,assignment]
        Writer._flush = switched_flush  # type: ignore[method-assign,assignment]


def service_of(app: InferdApp) -> InferenceService:
    """The app's inference service (the REST API holds it)."""
    service = app._api._service  # type: ignore[union-attr]
    assert isinstance(service, InferenceService)
    return service


async def measure(app: InferdApp, body: bytes, requests: int, cycles: int) -> dict[str, list[float]]:
    service = service_of(app)
    log = service.prediction_log
    cpu_us: dict[str, list[float]] = {mode: [] for mode in MODES}
    for cycle in range(cycles):
        shift = cycle % len(MODES)
        for mode in MODES[shift:] + MODES[:shift]:
            Switches.mode = mode
            service.prediction_log = None if mode == "off" else log
            service._context = mode != "off"
            await drive(app, body, requests // 10)  # the writer catches up with the mode before
            await asyncio.sleep(0.3)
            started = time.process_time()
            await drive(app, body, requests)
            cpu_us[mode].append((time.process_time() - started) / requests * 1e6)
    service.prediction_log = log
    return cpu_us


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=8)
    args = parser.parse_args(argv)
    Switches.install()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        prepare_home(home)
        body = write_body(Path(folder) / "body.json", reference_row()).read_bytes()
        configuration = configurations(home, "http://127.0.0.1:9/v1/traces")["metrics + prediction log 100%"]
        no_watch = dataclasses.replace(configuration.serving, watch_interval_s=0.0)
        configuration = dataclasses.replace(configuration, serving=no_watch)

        async def run() -> dict[str, list[float]]:
            app = InferdApp(configuration)
            await app.start()
            try:
                await drive(app, body, WARM_UP_REQUESTS)
                return await measure(app, body, args.requests, args.cycles)
            finally:
                await app.close()

        cpu_us = uvloop.run(run())
    off = statistics.median(cpu_us["off"])
    print(f"process CPU a request, median of {args.cycles} rounds of {args.requests} one-row requests")
    for mode in MODES:
        median = statistics.median(cpu_us[mode])
        rounds = " ".join(f"{value:.1f}" for value in cpu_us[mode])
        change = f"{median - off:+6.2f} µs ({median / off - 1:+6.1%})"
        print(f"{mode:<22} {median:6.2f} µs  {change}  rounds: {rounds}")


if __name__ == "__main__":
    main(sys.argv[1:])
