"""What tracing costs a request at each sample ratio, in one process, rounds alternating.

Run: .venv/bin/python benchmarks/serving/tracing_ratio.py [--ratios 0.01 0.1 0.5 1] [--cycles 8]

The same harness as ``log_breakdown.py`` (``alternating_rounds.py``: one in-process
app, since two processes of the same code differ by up to 3 µs a request): between
rounds the tracer is taken away (``metrics``) or its sample ratio changed; spans go
to an OTLP receiver in a process of its own, which discards them. Printed: the
process's CPU a request (serving thread, batcher and exporter), its increase over
metrics alone, and that increase divided by the ratio, the cost of one traced
request, which would be the same at every ratio if tracing cost only the requests
it traces.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from alternating_rounds import cpu_us_by_mode
from inferd.server.inference_service import InferenceService
from inferd.telemetry.tracing.request_tracer import RequestTracer
from telemetry_path import otlp_receiver_process


class TracerSwitch:
    """Takes the tracer away (``metrics``) or sets its sample ratio (the mode's text)."""

    def __init__(self) -> None:
        self.tracer: RequestTracer | None = None

    def __call__(self, service: InferenceService, mode: str) -> None:
        self.tracer = self.tracer or service.tracer
        assert self.tracer is not None
        service.tracer = None if mode == "metrics" else self.tracer
        self.tracer._ratio = 1.0 if mode == "metrics" else float(mode)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.01, 0.1, 0.5, 1.0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=8)
    args = parser.parse_args(argv)
    modes = ["metrics", *(f"{ratio:g}" for ratio in args.ratios)]
    with otlp_receiver_process() as otlp:
        switch = TracerSwitch()
        cpu_us = cpu_us_by_mode("metrics + tracing 10%", otlp, modes, switch, args.requests, args.cycles)
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
