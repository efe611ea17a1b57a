"""What the compiled build saves: server CPU a request and p99 at one offered rate, pure against compiled.

Run: .venv/bin/python benchmarks/serving/compiled_cost.py [--rate 8000] [--rounds 4] [--duration-s 8]

Fresh servers of the pure-Python build and of the compiled one (``scripts/compiled_tree.py``,
built first if needed) take turns, one pair a round, the first of each pair alternating;
each is driven by wrk at ``--rate`` requests a second over 64 connections, after a 2 s
warm-up. At a fixed rate both do the same work, so the server's CPU time over the requests
answered (from /proc, all its processes) compares the builds where a saturation run cannot:
at saturation wrk takes whatever the server leaves of the two cores. Printed: each round's
pair and the medians, with the compiled build's change paired by round.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from inferd_server import compiled_tree, free_port, inferd_group
from reference_home import REFERENCE_MODEL, prepare_home, reference_row, write_body
from wrk_load import run_wrk

BUILDS = ("pure", "compiled")


def measure(home: Path, body: Path, tree: Path | None, rate: float, duration_s: float) -> tuple[float, float]:
    """Server CPU µs a request and p99 ms of one fresh server at ``rate``."""
    port = free_port()
    name = "compiled" if tree is not None else "pure"
    group = inferd_group(
        name,
        home,
        home.parent / f"{name}.log",
        http_port=port,
        grpc_port=free_port(),
        extra=(REFERENCE_MODEL,),
        python_path=tree,
    )
    with group:
        group.start(f"http://127.0.0.1:{port}/v2/health/ready")
        url = f"http://127.0.0.1:{port}/v2/models/{REFERENCE_MODEL}/infer"
        run_wrk(url, body, connections=64, duration_s=2, rate_per_s=rate)
        before = group.cpu_seconds()
        result = run_wrk(url, body, connections=64, duration_s=duration_s, rate_per_s=rate)
        used_s = group.cpu_seconds() - before
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors} errors")
    return used_s / result.requests * 1e6, result.p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=8000.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration-s", type=float, default=8.0)
    args = parser.parse_args()
    tree = compiled_tree()
    cpu: dict[str, list[float]] = {build: [] for build in BUILDS}
    p99: dict[str, list[float]] = {build: [] for build in BUILDS}
    with tempfile.TemporaryDirectory(prefix="inferd-compiled-") as folder:
        home = Path(folder) / "home"
        prepare_home(home)
        body = write_body(Path(folder) / "body.json", reference_row())
        for round_ in range(args.rounds):
            order = BUILDS if round_ % 2 == 0 else BUILDS[::-1]
            for build in order:
                cpu_us, p99_ms = measure(
                    home, body, tree if build == "compiled" else None, args.rate, args.duration_s
                )
                cpu[build].append(cpu_us)
                p99[build].append(p99_ms)
            print(
                f"round {round_ + 1}: server CPU {cpu['pure'][-1]:.1f} -> {cpu['compiled'][-1]:.1f} "
                f"µs/request, p99 {p99['pure'][-1]:.2f} -> {p99['compiled'][-1]:.2f} ms",
                flush=True,
            )
    changes = [c / p - 1 for p, c in zip(cpu["pure"], cpu["compiled"], strict=True)]
    print(f"at {args.rate:.0f} req/s, c=64, {args.rounds} rounds of {args.duration_s:.0f} s (medians):")
    for build in BUILDS:
        print(
            f"  {build:9} server CPU {statistics.median(cpu[build]):6.1f} µs/request, "
            f"p99 {statistics.median(p99[build]):.2f} ms"
        )
    print(
        f"  compiled vs pure, paired by round: CPU {statistics.median(changes):+.1%} "
        f"(rounds {', '.join(f'{c:+.1%}' for c in changes)})"
    )


if __name__ == "__main__":
    main()
