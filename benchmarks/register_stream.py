"""Peak memory while registering a 200 MB artifact: it must stream, not load the file.

Run: python benchmarks/register_stream.py [--size-mb 200]
Each measurement runs in a fresh process and reports its peak RSS (ru_maxrss)
above the RSS it had just before the operation. The baseline in the same run is
the naive approach, reading the whole file into memory to hash it. Target: the
registration stays under 100 MB above its baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = """
import resource, sys, pathlib, hashlib
def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
path = pathlib.Path(sys.argv[2])
from inferd.registry import Registry
registry = Registry.open()
base = rss_mb()
if sys.argv[1] == 'register':
    registry.register('big', path, framework='onnx')
    registry.fetch(registry.get('big'))
else:
    hashlib.sha256(path.read_bytes()).hexdigest()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f'{peak - base:.1f}')
registry.close()
"""


def measure(mode: str, path: Path, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, str(path)], check=True, env=env, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.onnx"
        with path.open("wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        env = {**os.environ, "INFERD_HOME": str(Path(tmp) / "home")}
        naive = measure("naive", path, env)
        streamed = measure("register", path, env)
    print(f"artifact: {args.size_mb} MB")
    print(f"naive read-whole-file hash:  peak +{naive:7.1f} MB above baseline")
    print(
        f"inferd register + fetch:     peak +{streamed:7.1f} MB above baseline (ratio {streamed / naive:.2f})"
    )
    print("ok" if streamed < 100 else "OVER the 100 MB target")


if __name__ == "__main__":
    main()
