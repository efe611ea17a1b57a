"""Code that runs in child processes of the concurrency tests (importable by spawn and forkserver)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inferd.config import RegistrySettings
from inferd.registry import Registry

_start_line: Any = None  # this child's copy of the parent's barrier, set by ``join``


def join(barrier: Any) -> None:
    """Pool initializer: keep the barrier that makes every child start registering at once."""
    global _start_line
    _start_line = barrier


def register_many(settings: RegistrySettings, worker: int, count: int, folder: Path) -> list[int]:
    """Register ``count`` versions of model ``m`` (one shared file, one of this worker's own)."""
    with Registry.open(settings) as reg:
        _start_line.wait(timeout=60)
        versions = []
        for n in range(count):
            model = folder / f"w{worker}-n{n}"
            model.mkdir(parents=True)
            (model / "shared.bin").write_bytes(b"the same in every version")
            (model / "own.bin").write_bytes(f"worker {worker} registration {n}".encode())
            mv = reg.register("m", model, framework="python", metadata={"worker": worker, "n": n})
            versions.append(mv.version)
        return versions
