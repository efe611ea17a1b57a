"""The server under test: ``inferd serve`` on loopback ports, as a ProcessGroup."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from process_group import ProcessGroup

INFERD = Path(sys.executable).parent / "inferd"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port free now (for a server started next)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def compiled_tree() -> Path:
    """A compiled copy of the sources to serve from (``scripts/compiled_tree.py``, built if needed)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "compiled_tree.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot build the compiled tree:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


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
