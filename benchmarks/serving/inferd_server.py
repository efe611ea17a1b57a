"""The server under test: ``inferd serve`` on loopback ports, as a ProcessGroup."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from process_group import ProcessGroup

INFERD = Path(sys.executable).parent / "inferd"


def inferd_group(
    name: str,
    home: Path,
    log_path: Path,
    *,
    http_port: int,
    grpc_port: int,
    extra: tuple[str, ...] = (),
    python_path: Path | None = None,
) -> ProcessGroup:
    """``inferd serve`` on loopback; ``extra``: more flags, and model names (default: all ``production``).

    ``python_path``: a folder whose ``inferd`` is imported instead of the installed one (a compiled
    tree from ``scripts/compiled_tree.py``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERD_") and k != "PYTHONPATH"}
    env["INFERD_HOME"] = str(home)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    command = [
        str(INFERD),
        "serve",
        "--host",
        "127.0.0.1",
        "--http-port",
        str(http_port),
        "--grpc-port",
        str(grpc_port),
        *extra,
    ]
    return ProcessGroup(name, command, env, log_path)
