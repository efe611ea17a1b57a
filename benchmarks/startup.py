"""Start-up time of `import inferd` and `inferd models list`, against a bare interpreter.

Run: python benchmarks/startup.py [--runs 15]
Each command runs in a fresh process, `--runs` times; we print the median and
the ratio against `python -c pass` measured in the same run. Target: each under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def median_seconds(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def populate(env: dict[str, str]) -> None:
    """Register a few small versions so `models list` reads a real registry."""
    code = (
        "import pathlib, tempfile\n"
        "from inferd.registry import Registry\n"
        "tmp = pathlib.Path(tempfile.mkdtemp()); f = tmp / 'm.onnx'; f.write_bytes(b'x' * 1000)\n"
        "with Registry.open() as r:\n"
        "    for name in ('a', 'b', 'c'):\n"
        "        for _ in range(3): r.register(name, f, framework='onnx')\n"
        "        r.set_alias(name, 'production', 2)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "INFERD_HOME": home}
        populate(env)
        subprocess.run(
            [str(BIN / "inferd"), "models", "list"], check=True, env=env, stdout=subprocess.DEVNULL
        )
        bare = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
        rows = [
            ("python -c 'import inferd'", [sys.executable, "-c", "import inferd"]),
            ("inferd models list", [str(BIN / "inferd"), "models", "list"]),
        ]
        print(
            f"{'command':32} {'median s':>9} {'x bare python':>14}  "
            f"(bare python {bare:.3f} s, {args.runs} runs)"
        )
        for label, cmd in rows:
            seconds = median_seconds(cmd, args.runs, env)
            verdict = "ok" if seconds < 0.5 else "OVER 0.5 s"
            print(f"{label:32} {seconds:9.3f} {seconds / bare:14.1f}  {verdict}")


if __name__ == "__main__":
    main()
