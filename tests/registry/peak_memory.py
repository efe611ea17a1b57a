"""Run as a script: register and fetch a large artifact, print the peak memory growth in MiB.

A separate process so that the peak (``ru_maxrss``) is this workload's alone.
Usage: ``python -m tests.registry.peak_memory <work folder> <size in MiB>``.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from inferd.config import RegistrySettings
from inferd.registry import Registry


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(work: Path, size_mib: int) -> None:
    big = work / "big.bin"
    with big.open("wb") as f:
        f.truncate(size_mib << 20)  # sparse: costs no memory or disk to create
    (work / "tiny.bin").write_bytes(b"warm-up")
    with Registry.open(RegistrySettings(home=work / "home")) as reg:
        reg.fetch(reg.register("warm-up", work / "tiny.bin", framework="python"))  # imports everything
        baseline = _peak_mib()
        mv = reg.register("big", big, framework="python")
        path = reg.fetch(mv)
        reg.fetch(mv)  # re-verifies the cached copy
    assert path.stat().st_size == size_mib << 20
    print(f"{_peak_mib() - baseline:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
