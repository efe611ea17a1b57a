"""What tracing costs a request at each sample ratio, in one process, rounds alternating.

Run: .venv/bin/python benchmarks/serving/tracing_ratio.py [--ratios 0.01 0.1 0.5 1] [--cycles 8]

The same harness as ``log_breakdown.py`` (one in-process app, the reference model
behind the real batcher, 64 requests in flight through the RSGI entry point; two
processes of the same code differ by up to 3 µs a request, so ratios are compared
within one): between rounds the tracer is taken away (``metrics``) or its sample
ratio changed; spans go to an OTLP receiver in a process of its own, which discards
them. Printed: the process's CPU a request (serving thread, batcher and exporter),
its increase over metrics alone, and that increase divided by the ratio, the cost
of one traced request, which would be the same at every ratio if tracing cost only
the requests it traces.
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
from log_breakdown import service_of
from reference_home import prepare_home, reference_row, write_body
from telemetry_path import configurations, drive, otlp_receiver_process

WARM_UP_REQUESTS = 3000


async def measure(
    app: InferdApp, body: bytes, ratios: list[float], requests: int, cycles: int
) -> dict[str, list[float]]:
    service = service_of(app)
    tracer = service.tracer
    assert tracer is not None
    modes = ["metrics", *(f"{ratio:g}" for ratio in ratios)]
    cpu_us: dict[str, list[float]] = {mode: [] for mode in modes}
    for cycle in range(cycles):
        shift = cycle % len(modes)
        for mode in modes[shift:] + modes[:shift]:
            service.tracer = None if mode == "metrics" else tracer
            tracer._ratio = 1.0 if mode == "metrics" else float(mode)
            await drive(app, body, requests // 10)  # the exporter catches up with the mode before
            await asyncio.sleep(0.3)
            started = time.process_time()
            await drive(app, body, requests)
            cpu_us[mode].append((time.process_time() - started) / requests * 1e6)
    service.tracer = tracer
    return cpu_us


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.01, 0.1, 0.5, 1.0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, otlp_receiver_process() as otlp:
        home = Path(folder) / "home"
        prepare_home(home)
        body = write_body(Path(folder) / "body.json", reference_row()).read_bytes()
        configuration = configurations(home, otlp)["metrics + tracing 10%"]
        no_watch = dataclasses.replace(configuration.serving, watch_interval_s=0.0)
        configuration = dataclasses.replace(configuration, serving=no_watch)

        async def run() -> dict[str, list[float]]:
            app = InferdApp(configuration)
            await app.start()
            try:
                await drive(app, body, WARM_UP_REQUESTS)
                return await measure(app, body, args.ratios, args.requests, args.cycles)
            finally:
                await app.close()

        cpu_us = uvloop.run(run())
    base = statistics.median(cpu_us["metrics"])
    print(f"process CPU a request, median of {args.cycles} rounds of {args.requests} one-row requests")
    for mode, values in cpu_us.items():
        median = statistics.median(values)
        change = f"{median - base:+6.2f} ({median / base - 1:+6.1%})"
        if mode != "metrics":
            change += f"  {(median - base) / float(mode):6.1f} µs a traced request"
        rounds = " ".join(f"{value:.1f}" for value in values)
        print(f"{mode:<8} {median:6.2f} µs  {change}  {rounds}")


if __name__ == "__main__":
    main(sys.argv[1:])
