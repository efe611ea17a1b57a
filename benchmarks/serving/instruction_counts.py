"""What telemetry costs the request path, in instructions: the same from run to run, however busy the machine.

Run: .venv/bin/python benchmarks/serving/instruction_counts.py [--requests 2000]
     [--only metrics "metrics + prediction log 100%"] [--keep DIR]

``--keep DIR`` keeps callgrind's files (``<configuration>.<1 loaded | 2 idle>-<thread>``)
for ``callgrind_annotate --inclusive=yes``.

Timings on the 2-core development machine move by 10-40% from run to run, and paired
in-process rounds still by +-15 µs a request, more than the few microseconds a
change to the request path is worth. Instructions do not move: each configuration
of ``telemetry_path.py`` runs here in a process of its own under valgrind's
callgrind (``apt-get install valgrind``), which counts the instructions each thread
executes; counting is switched on (``callgrind_control``) only while ``--requests``
one-row requests go through the real app's RSGI entry point, 64 in flight, and for
a short wait after them in which the prediction log's writer and the span
exporter take what they were given. Two runs of one configuration agree within
about 1% (2,000 requests: 591.1M and 593.1M instructions).

valgrind runs the program about 50 times slower, so what runs on a timer (the
metrics sampler and publisher, the writer's and exporter's wake-ups, every second)
would weigh 50 times what it does in a live server. So the same stretch of time is
counted again with no requests, and those instructions are taken off, thread by
thread: what is left is the requests' own work.

Printed per request: the serving thread's instructions (the event loop: what
throughput depends on first), the other threads' (the batcher's model thread, the
log's writer, the span exporter), and the model calls, which must match across
configurations for the counts to compare (under valgrind every batch is full).

What it cannot say: instructions are not time (cache misses, GIL waits and
contention for the two cores are not in them), and work done once per drain or
per millisecond (the writer's and exporter's fixed cost a batch, a prediction id's
millisecond head) is still spread over fewer requests than in a live server: the
other threads' counts are upper bounds. The registry watcher is switched off.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from inferd.server.app import InferdApp
from inferd.server.settings import Configuration
from reference_home import REFERENCE_MODEL
from telemetry_path import (
    IN_FLIGHT,
    Protocol,
    Scope,
    configurations,
    drive,
    otlp_receiver_process,
    watchless_setup,
)

SETTLE_S = 1.5  # longer than the log's flush interval (1 s): the writer drains inside the window
WARM_UP_REQUESTS = 1000


@dataclasses.dataclass(frozen=True)
class Counts:
    """Instructions per request: the serving (main) thread's, the other threads' together, and model calls."""

    serving: float
    others: float
    model_calls: int


def child(name: str, requests: int, otlp: str) -> None:
    """Run one configuration inside callgrind, counting only the measured requests."""
    with tempfile.TemporaryDirectory() as folder:
        configuration, body = watchless_setup(Path(folder), otlp, name)
        uvloop.run(_measure(configuration, body, requests))


async def _measure(configuration: Configuration, body: bytes, requests: int) -> None:
    app = InferdApp(configuration)
    await app.start()
    try:
        await drive(app, body, WARM_UP_REQUESTS)
        await asyncio.sleep(SETTLE_S)
        calls_before = await _model_calls(app)
        _callgrind("--instr=on")
        started = time.monotonic()
        await drive(app, body, requests)
        await asyncio.sleep(SETTLE_S)
        window_s = time.monotonic() - started
        _callgrind("--dump=loaded")
        # The same time again without requests: what the timers cost (see the module docstring).
        await asyncio.sleep(window_s)
        _callgrind("--dump=idle")
        _callgrind("--instr=off")
        print(f"model calls: {await _model_calls(app) - calls_before}", flush=True)
    finally:
        await app.close()


class _Answer(Protocol):
    """A protocol object that keeps the answer's body."""

    body = b""

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().response_bytes(status, headers, body)
        self.body = body


async def _model_calls(app: InferdApp) -> int:
    """The reference model's execution count, from the statistics extension."""
    answer = _Answer(b"")
    await app.__rsgi__(Scope(f"/v2/models/{REFERENCE_MODEL}/stats", {}, method="GET"), answer)
    calls: int = json.loads(answer.body)["model_stats"][0]["execution_count"]
    return calls


def _callgrind(switch: str) -> None:
    subprocess.run(["callgrind_control", switch, str(os.getpid())], check=True, capture_output=True)


def count(name: str, requests: int, otlp: str, folder: Path) -> Counts:
    """Run ``name`` under callgrind in a child process; its instructions per request by thread."""
    out = folder / name.replace(" ", "_").replace("%", "pct").replace("+", "and")
    command = [
        "valgrind",
        "--tool=callgrind",
        "--separate-threads=yes",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        name,
        "--requests",
        str(requests),
        "--otlp",
        otlp,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: the callgrind run failed:\n{done.stderr[-3000:]}")
    reported = next(line for line in done.stdout.splitlines() if line.startswith("model calls:"))
    calls = int(reported.split()[-1])
    # callgrind names the dumps <out>.<dump>-<thread>: 1 the loaded window, 2 the idle one.
    loaded = {_thread(path): _totals(path) for path in folder.glob(out.name + ".1-*")}
    idle = {_thread(path): _totals(path) for path in folder.glob(out.name + ".2-*")}
    net = {thread: total - idle.get(thread, 0) for thread, total in loaded.items()}
    serving = net.pop(1)  # valgrind's thread 1: the process's main thread, which runs the event loop
    return Counts(serving / requests, sum(net.values()) / requests, calls)


def _thread(path: Path) -> int:
    return int(path.name.rsplit("-", 1)[1])


def _totals(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    return 0


def report(results: dict[str, Counts]) -> list[str]:
    lines = [f"{'configuration':32} {'serving':>9} {'others':>9} {'total':>9} {'model calls':>12}"]
    for name, counts in results.items():
        total = counts.serving + counts.others
        cells = f"{counts.serving:9.0f} {counts.others:9.0f} {total:9.0f} {counts.model_calls:12d}"
        lines.append(f"{name:32} {cells}")
    if {"all off", "metrics"} <= results.keys():
        off = results["all off"]
        for name, counts in results.items():
            if name != "all off":
                lines.append(f"{name} vs all off: serving thread {_change(counts.serving, off.serving)}")
    if {"metrics", "metrics + prediction log 100%"} <= results.keys():
        metrics, logged = results["metrics"], results["metrics + prediction log 100%"]
        lines.append(
            "prediction log vs metrics: serving thread "
            f"{_change(logged.serving, metrics.serving)}, all threads "
            f"{_change(logged.serving + logged.others, metrics.serving + metrics.others)}"
        )
    return lines


def _change(value: float, base: float) -> str:
    return f"{value - base:+,.0f} instructions ({value / base - 1:+.1%})"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", nargs="*", help="configurations to run (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--otlp", help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="keep callgrind's files here, for callgrind_annotate")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.requests, args.otlp)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("needs valgrind's callgrind: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as folder, otlp_receiver_process() as otlp:
        names = args.only or list(configurations(Path(folder), otlp))
        results = {}
        for name in names:  # one at a time: each run is single-threaded under valgrind anyway
            results[name] = count(name, args.requests, otlp, Path(folder))
            print(f"{name}: {results[name]}", flush=True)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in Path(folder).glob("*.[12]-*"):
                shutil.copy(path, args.keep / path.name)
    print(f"instructions a request, {args.requests} one-row requests, {IN_FLIGHT} in flight, under callgrind")
    for line in report(results):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
