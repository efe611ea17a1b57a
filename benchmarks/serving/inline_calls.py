"""What running short model calls on the event loop gives: c=64 throughput with it off and on, fresh servers.

Run: .venv/bin/python benchmarks/serving/inline_calls.py [--rounds 3] [--duration-s 8] [--pure]

A computing runtime's call expected to take under ``--inline-call-us`` (default 200) runs on
the event loop instead of the model's thread pool (``inferd.batching.batcher``). Fresh
servers with ``--inline-call-us 0`` (every call in the pool) and with the default take
turns, one pair a round, the first of each pair alternating; each is driven by wrk at 64
connections for ``--duration-s`` after a 2 s warm-up. Printed a round: requests a second,
how much of the machine's CPU was idle meanwhile (/proc/stat), and where the model's calls
went (the statistics extension: rows a call, and the model's time a request). The compiled
build serves unless ``--pure``.

Why it is measured so: at 64 connections the server was not short of CPU (about 30% of
the two cores idle, wrk at a quarter of one) but of turns at the GIL, which every hand-off
of a call to a pool thread and back waits for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferd_server import compiled_tree, free_port, inferd_group
from reference_home import REFERENCE_MODEL, prepare_home, reference_row, write_body
from wrk_load import run_wrk

SETTINGS = {"pool only": "0", "inline (default)": "200"}


@dataclass(frozen=True)
class Round:
    requests_per_s: float
    idle_share: float
    rows_per_call: float
    model_us_per_request: float


def machine_cpu() -> tuple[int, int]:
    """Idle (with iowait) and total jiffies of the whole machine."""
    with Path("/proc/stat").open() as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    return values[3] + values[4], sum(values)


def model_stats(port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/v2/models/{REFERENCE_MODEL}/stats"
    with urllib.request.urlopen(url, timeout=10) as answer:
        stats: dict[str, Any] = json.loads(answer.read())["model_stats"][0]
    return stats


def measure(home: Path, body: Path, tree: Path | None, inline_call_us: str, duration_s: float) -> Round:
    port = free_port()
    group = inferd_group(
        f"inline-{inline_call_us}",
        home,
        home.parent / f"inline-{inline_call_us}.log",
        http_port=port,
        grpc_port=free_port(),
        extra=("--inline-call-us", inline_call_us, REFERENCE_MODEL),
        python_path=tree,
    )
    with group:
        group.start(f"http://127.0.0.1:{port}/v2/health/ready")
        url = f"http://127.0.0.1:{port}/v2/models/{REFERENCE_MODEL}/infer"
        run_wrk(url, body, connections=64, duration_s=2)
        before, (idle_before, total_before) = model_stats(port), machine_cpu()
        result = run_wrk(url, body, connections=64, duration_s=duration_s)
        after, (idle_after, total_after) = model_stats(port), machine_cpu()
    if result.errors:
        raise RuntimeError(f"--inline-call-us {inline_call_us}: {result.errors} errors")
    calls = after["execution_count"] - before["execution_count"]
    rows = after["inference_count"] - before["inference_count"]
    compute = {key: after["inference_stats"]["compute_infer"][key] for key in ("ns", "count")}
    for key in compute:
        compute[key] -= before["inference_stats"]["compute_infer"][key]
    return Round(
        result.requests_per_s,
        (idle_after - idle_before) / max(1, total_after - total_before),
        rows / max(1, calls),
        compute["ns"] / max(1, compute["count"]) / 1e3,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration-s", type=float, default=8.0)
    parser.add_argument("--pure", action="store_true", help="serve the pure-Python build")
    args = parser.parse_args()
    tree = None if args.pure else compiled_tree()
    rounds: dict[str, list[Round]] = {name: [] for name in SETTINGS}
    with tempfile.TemporaryDirectory(prefix="inferd-inline-") as folder:
        home = Path(folder) / "home"
        prepare_home(home)
        body = write_body(Path(folder) / "body.json", reference_row())
        names = list(SETTINGS)
        for number in range(args.rounds):
            for name in names if number % 2 == 0 else names[::-1]:
                measured = measure(home, body, tree, SETTINGS[name], args.duration_s)
                rounds[name].append(measured)
                print(
                    f"round {number + 1} {name:17} {measured.requests_per_s:8.0f} req/s, "
                    f"machine idle {measured.idle_share:5.1%}, {measured.rows_per_call:4.1f} rows a call, "
                    f"model {measured.model_us_per_request:5.1f} µs a request",
                    flush=True,
                )
    build = "pure" if args.pure else "compiled"
    print(f"{build} build, c=64, {args.rounds} rounds of {args.duration_s:.0f} s (medians):")
    for name, runs in rounds.items():
        rate = statistics.median(r.requests_per_s for r in runs)
        idle = statistics.median(r.idle_share for r in runs)
        print(f"  {name:17} {rate:8.0f} req/s, machine idle {idle:.1%}")
    changes = [
        on.requests_per_s / off.requests_per_s - 1
        for off, on in zip(rounds["pool only"], rounds["inline (default)"], strict=True)
    ]
    print(
        f"  inline vs pool only, paired by round: {statistics.median(changes):+.1%} "
        f"(rounds {', '.join(f'{c:+.1%}' for c in changes)})"
    )


if __name__ == "__main__":
    main()
