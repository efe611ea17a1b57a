"""What telemetry costs a busy server: metrics, tracing and the prediction log, each on vs off.

Run: .venv/bin/python benchmarks/serving/telemetry_overhead.py [--duration-s 10] [--repeats 3]
     [--only metrics "metrics + prediction log 100%"] [--paced-share 0.5]

Each round starts one ``inferd serve`` per configuration, in turn, all serving
the reference model (the demo gradient-boosted classifier, ONNX), warms it up and
drives it with wrk at 64 connections with the one-row v2 JSON request (wrk shares
the 2 cores), then stops it. A server started once and reused across rounds keeps
its own luck (which core it runs on, where its memory lies) and moved whole
configurations by 5-10% here, so every round starts fresh servers, in an order
rotated from round to round, and each cell is the median of ``--repeats`` rounds.
Spans go to an OTLP/HTTP receiver in this process that accepts and discards them.

At saturation a closed-loop client's latency is its connections over the
throughput, so the p99 there mostly repeats the throughput cost. Each server is
therefore also driven at one fixed offered rate, the same for every configuration
of the run (``--paced-share`` of what a first server of the first configuration
answered at saturation; wrk paces its requests, see ``post.lua``), and its p99
there is the latency a request sees from a server that is busy but keeps up:
what an operator's SLO is about.
Targets (issue 5): metrics and tracing on cost at most 5% of the throughput of a
server with both off; the prediction log at 100% sampling costs at most 10% of the
throughput and 10% of p99 of the same server without it.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from inferd_server import free_port, inferd_group
from reference_home import REFERENCE_MODEL, prepare_home, reference_row, write_body
from wrk_load import WrkResult, run_wrk

CONNECTIONS = 64


def configurations(otlp: str) -> dict[str, tuple[str, ...]]:
    trace = ("--trace", "--otlp-endpoint", otlp)
    return {
        "all off": ("--no-metrics",),
        "metrics": (),
        "metrics + tracing 10%": (*trace, "--trace-sample-ratio", "0.1"),
        "metrics + tracing 100%": trace,
        "metrics + prediction log 100%": ("--prediction-log", "parquet", "--pii-mode", "drop"),
    }


@contextlib.contextmanager
def discarding_otlp_receiver() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration-s", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", metavar="CONFIGURATION", help="run these configurations only")
    parser.add_argument(
        "--paced-share",
        type=float,
        default=0.5,
        help="the fixed offered rate for the paced p99, as a share of the first configuration's peak",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="inferd-telemetry-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        work = Path(tmp)
        home = work / "home"
        prepare_home(home)
        body = write_body(work / "body.json", reference_row())
        otlp = stack.enter_context(discarding_otlp_receiver())
        configured = configurations(otlp)
        unknown = set(args.only or ()) - set(configured)
        if unknown:
            raise SystemExit(f"unknown configurations {sorted(unknown)}; known: {list(configured)}")
        names = [name for name in configured if not args.only or name in args.only]
        peak = measure_fresh_server(names[0], configured[names[0]], home, work, body, args.duration_s, None)
        paced_rate = args.paced_share * peak.wrk.requests_per_s
        print(f"paced runs offer {paced_rate:.0f} req/s ({args.paced_share:.0%} of {names[0]}'s peak)")
        runs: dict[str, list[Run]] = {name: [] for name in names}
        for round_number in range(args.repeats):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                flags = configured[name]
                run = measure_fresh_server(name, flags, home, work, body, args.duration_s, paced_rate)
                runs[name].append(run)
                result, paced = run.wrk, run.paced
                print(
                    f"round {round_number + 1}/{args.repeats} {name:<32} {result.requests_per_s:>8.0f} req/s "
                    f"p99 {result.p99_ms:6.2f} ms  CPU {run.cpu_us_per_request:6.1f} µs/request  "
                    f"errors {result.errors}; paced p99 {paced.p99_ms if paced else float('nan'):6.2f} ms",
                    flush=True,
                )
        report(runs, paced_rate)


def measure_fresh_server(
    name: str,
    flags: tuple[str, ...],
    home: Path,
    work: Path,
    body: Path,
    duration_s: float,
    paced_rate: float | None,
) -> Run:
    """Start a server with ``flags``, warm it up, load it at c=64, then at ``paced_rate`` when given."""
    port = free_port()
    group = inferd_group(
        name, home, work / f"{port}.log", http_port=port, grpc_port=0, extra=(*flags, REFERENCE_MODEL)
    )
    with group:
        group.start(f"http://127.0.0.1:{port}/v2/health/ready")
        url = f"http://127.0.0.1:{port}/v2/models/{REFERENCE_MODEL}/infer"
        run_wrk(url, body, connections=CONNECTIONS, duration_s=3)
        cpu_before = group.cpu_seconds()
        result = run_wrk(url, body, connections=CONNECTIONS, duration_s=duration_s)
        cpu_us = (group.cpu_seconds() - cpu_before) / max(1, result.requests) * 1e6
        paced = None
        if paced_rate is not None:
            paced = run_wrk(url, body, connections=CONNECTIONS, duration_s=duration_s, rate_per_s=paced_rate)
        group.check_running("the load run")
    return Run(result, cpu_us, paced)


@dataclass(frozen=True)
class Run:
    wrk: WrkResult
    cpu_us_per_request: float  # the server's CPU time over the requests it answered: steadier than req/s
    paced: WrkResult | None = None  # the same server at the run's fixed offered rate


def report(runs: dict[str, list[Run]], paced_rate: float) -> None:
    rate = {name: statistics.median(r.wrk.requests_per_s for r in rs) for name, rs in runs.items()}
    p99 = {name: statistics.median(r.wrk.p99_ms for r in rs) for name, rs in runs.items()}
    paced = {name: [r.paced for r in rs if r.paced is not None] for name, rs in runs.items()}
    paced_p99 = {name: statistics.median(w.p99_ms for w in ws) for name, ws in paced.items()}
    paced_p50 = {name: statistics.median(w.p50_ms for w in ws) for name, ws in paced.items()}
    answered = {name: statistics.median(w.requests_per_s for w in ws) for name, ws in paced.items()}
    cpu = {name: statistics.median(r.cpu_us_per_request for r in rs) for name, rs in runs.items()}
    errors = {name: sum(r.wrk.errors for r in rs) for name, rs in runs.items()}
    print(f"\nmedians at c={CONNECTIONS} (wrk -t1 shares the 2 cores)")
    header = f"{'configuration':<32} {'req/s':>8} {'p99 ms':>8} {'CPU µs/req':>11} {'req/s vs off':>13}"
    print(f"{header} {'CPU vs off':>11} {'errors':>7}")
    base = "all off" if "all off" in runs else next(iter(runs))
    for name in runs:
        print(
            f"{name:<32} {rate[name]:>8.0f} {p99[name]:>8.2f} {cpu[name]:>11.1f} "
            f"{rate[name] / rate[base]:>12.1%} {cpu[name] / cpu[base] - 1:>+10.1%} "
            f"{errors[name]:>7}"
        )
    print(f"\nat a fixed offered rate of {paced_rate:.0f} req/s, c={CONNECTIONS}")
    print(f"{'configuration':<32} {'answered':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99 vs first':>13}")
    first = next(iter(runs))
    for name in runs:
        print(
            f"{name:<32} {answered[name]:>9.0f} {paced_p50[name]:>8.2f} {paced_p99[name]:>8.2f} "
            f"{paced_p99[name] / paced_p99[first] - 1:>+12.1%}"
        )
    if "all off" in runs:
        print("\ncost against all off (throughput; server CPU per request), target <= 5%:")
        for name in ("metrics", "metrics + tracing 10%", "metrics + tracing 100%"):
            if name in runs:
                cost, cpu_cost = 1 - rate[name] / rate["all off"], cpu[name] / cpu["all off"] - 1
                paired = paired_costs(runs[name], runs["all off"])
                print(f"  {name:<30} {cost:+.1%}; {cpu_cost:+.1%}; {paired}")
    logged = "metrics + prediction log 100%"
    if logged in runs and "metrics" in runs:
        print(
            f"prediction log 100% against metrics alone, targets <= 10%: "
            f"throughput {1 - rate[logged] / rate['metrics']:+.1%}, "
            f"CPU {cpu[logged] / cpu['metrics'] - 1:+.1%}, p99 {p99[logged] / p99['metrics'] - 1:+.1%} "
            f"(at saturation), p99 at {paced_rate:.0f} req/s "
            f"{paced_p99[logged] / paced_p99['metrics'] - 1:+.1%}"
        )
        print(f"  throughput {paired_costs(runs[logged], runs['metrics'])}")
        print(f"  paced p99 {paired_changes(runs[logged], runs['metrics'], paced_p99_change)}")


def paired_costs(runs: list[Run], baselines: list[Run]) -> str:
    """The throughput cost round by round, each against the baseline's server of the same round."""
    return paired_changes(runs, baselines, throughput_cost)


def throughput_cost(run: Run, base: Run) -> float:
    return 1 - run.wrk.requests_per_s / base.wrk.requests_per_s


def paced_p99_change(run: Run, base: Run) -> float:
    assert run.paced is not None
    assert base.paced is not None
    return run.paced.p99_ms / base.paced.p99_ms - 1


def paired_changes(runs: list[Run], baselines: list[Run], change: Callable[[Run, Run], float]) -> str:
    """``change`` of each round's run against the same round's baseline: the median, and every round's.

    The servers of one round run within a minute of each other, so a round's ratio leaves
    out the drift between rounds that the ratio of two medians keeps (the machine's speed
    moved by 10-20% within a run here).
    """
    changes = sorted(change(run, base) for run, base in zip(runs, baselines, strict=True))
    rounds = ", ".join(f"{value:+.1%}" for value in changes)
    return f"paired by round: median {statistics.median(changes):+.1%} (rounds {rounds})"


if __name__ == "__main__":
    main()
