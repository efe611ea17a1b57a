"""What telemetry costs the request path itself, measured in-process without HTTP.

Run: .venv/bin/python benchmarks/serving/telemetry_path.py [--requests 20000] [--repeats 5]

The end-to-end run (``telemetry_overhead.py``) shares two cores between wrk,
granian's Rust side and the Python worker, and moves by 10-40% from run to run,
more than the 5% it is meant to resolve. This one drives the real application
(``InferdApp``, started as ``inferd serve`` starts it, the reference model behind
the real batcher) through granian's RSGI entry point with a minimal in-process
stand-in for granian's scope and protocol objects, 64 requests in flight, on
uvloop, and reads the process's CPU time per request. What it leaves out is the
same in every configuration (sockets, HTTP parsing), so the differences are
telemetry's own. Every round starts a fresh app per configuration, in an order
rotated from round to round (an app kept across rounds keeps its own luck, which
moved whole configurations by 10% here); each cell is the median of
``--repeats`` rounds; spans go to an OTLP receiver that discards them, in a process of
its own so that its CPU is not counted as the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvloop

from inferd.config import RegistrySettings
from inferd.server.app import InferdApp
from inferd.server.settings import Configuration, ServerSettings
from inferd.telemetry.metrics import MetricsSettings
from inferd.telemetry.prediction_log import PredictionLogSettings
from inferd.telemetry.tracing.settings import TracingSettings
from reference_home import REFERENCE_MODEL, prepare_home, reference_row, write_body
from telemetry_overhead import discarding_otlp_receiver

IN_FLIGHT = 64
TARGET_METRICS_TRACING = 0.05
TARGET_PREDICTION_LOG = 0.10


@dataclasses.dataclass
class Scope:
    """The parts of granian's RSGI scope that the app reads."""

    path: str
    headers: dict[str, str]
    proto: str = "http"
    method: str = "POST"


class Protocol:
    """The parts of granian's RSGI HTTP protocol object that the app uses: the body, one response."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.status = 0

    async def __call__(self) -> bytes:
        return self._body

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status


@contextlib.contextmanager
def otlp_receiver_process() -> Iterator[str]:
    """The URL of a discarding OTLP/HTTP receiver running in a forked process."""
    context = multiprocessing.get_context("fork")
    ready: multiprocessing.Queue[str] = context.Queue()
    process = context.Process(target=_serve_discarding, args=(ready,), daemon=True)
    process.start()
    try:
        yield ready.get(timeout=30)
    finally:
        process.terminate()
        process.join()


def _serve_discarding(ready: multiprocessing.Queue[str]) -> None:
    with discarding_otlp_receiver() as url:
        ready.put(url)
        threading.Event().wait()


def configurations(home: Path, otlp: str) -> dict[str, Configuration]:
    base = Configuration(
        server=ServerSettings(grpc_port=0),
        registry=RegistrySettings(home=home, registry_url=None, artifact_url=None),
        metrics=MetricsSettings(enabled=False),
    )
    trace = TracingSettings(enabled=True, otlp_endpoint=otlp, sample_ratio=0.1)
    log = PredictionLogSettings(sink="parquet", pii_mode="drop")
    metrics = MetricsSettings(enabled=True)
    return {
        "all off": base,
        "metrics": dataclasses.replace(base, metrics=metrics),
        "metrics + tracing 10%": dataclasses.replace(base, metrics=metrics, tracing=trace),
        "metrics + tracing 100%": dataclasses.replace(
            base, metrics=metrics, tracing=dataclasses.replace(trace, sample_ratio=1.0)
        ),
        "metrics + prediction log 100%": dataclasses.replace(base, metrics=metrics, prediction_log=log),
    }


def watchless_setup(folder: Path, otlp: str, name: str) -> tuple[Configuration, bytes]:
    """A reference home in ``folder``, configuration ``name`` without the registry watcher, and the body.

    The watcher's polling would land in some measured rounds and not others.
    """
    home = folder / "home"
    prepare_home(home)
    body = write_body(folder / "body.json", reference_row()).read_bytes()
    configuration = configurations(home, otlp)[name]
    no_watch = dataclasses.replace(configuration.serving, watch_interval_s=0.0)
    return dataclasses.replace(configuration, serving=no_watch), body


async def cpu_us_per_request(app: InferdApp, body: bytes, requests: int) -> float:
    started = time.process_time()
    await drive(app, body, requests)
    return (time.process_time() - started) / requests * 1e6


async def drive(app: InferdApp, body: bytes, requests: int) -> None:
    """``requests`` infer requests of ``body`` through the app's RSGI entry point, IN_FLIGHT at a time."""
    scope = Scope(f"/v2/models/{REFERENCE_MODEL}/infer", {"content-length": str(len(body))})
    remaining = requests

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            proto = Protocol(body)
            await app.__rsgi__(scope, proto)
            if proto.status != 200:
                raise RuntimeError(f"request answered {proto.status}")

    await asyncio.gather(*(client() for _ in range(IN_FLIGHT)))


async def measure(
    configs: dict[str, Configuration], body: bytes, requests: int, repeats: int
) -> dict[str, float]:
    """Median CPU µs per request of each configuration, each round with fresh apps in rotated order."""
    names = list(configs)
    cells: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(1, repeats + 1):
        shift = (round_ - 1) % len(names)
        for name in names[shift:] + names[:shift]:
            app = InferdApp(configs[name])
            await app.start()
            try:
                await cpu_us_per_request(app, body, 2000)  # readiness, warm-up, settled heap
                cells[name].append(await cpu_us_per_request(app, body, requests))
            finally:
                await app.close()
            print(f"round {round_}/{repeats} {name:32} {cells[name][-1]:6.1f} CPU µs/request", flush=True)
    return {name: statistics.median(values) for name, values in cells.items()}


def report(medians: dict[str, float]) -> Iterator[str]:
    off = medians["all off"]
    yield f"{'configuration':32} {'CPU µs/request':>15} {'vs all off':>11}"
    for name, value in medians.items():
        yield f"{name:32} {value:15.1f} {value / off - 1:+10.1%}"
    metrics = medians["metrics"]
    logged = medians["metrics + prediction log 100%"]
    yield (
        f"targets: metrics {metrics / off - 1:+.1%} and metrics + tracing 10% "
        f"{medians['metrics + tracing 10%'] / off - 1:+.1%} against <= +{TARGET_METRICS_TRACING:.0%}; "
        f"prediction log {logged / metrics - 1:+.1%} against metrics alone, <= +{TARGET_PREDICTION_LOG:.0%}"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, otlp_receiver_process() as otlp:
        home = Path(folder) / "home"
        prepare_home(home)
        body = write_body(Path(folder) / "body.json", reference_row()).read_bytes()
        medians = uvloop.run(measure(configurations(home, otlp), body, args.requests, args.repeats))
    print(f"median of {args.repeats} rounds of {args.requests} one-row requests, {IN_FLIGHT} in flight")
    for line in report(medians):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
