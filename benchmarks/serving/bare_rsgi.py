"""The transport's own ceiling: granian's RSGI, uvloop, and a handler that does almost nothing.

It reads the body, parses it with orjson (every real server must) and answers a fixed
v2 response, the size of inferd's. inferd's REST rate against this one, in the same
run, says how much of what granian could carry the inference path leaves.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from process_group import ProcessGroup

_ANSWER = orjson.dumps(
    {
        "model_name": "tabular-gbm",
        "model_version": "1",
        "outputs": [
            {"name": "label", "datatype": "INT64", "shape": [1], "data": [1]},
            {"name": "probabilities", "datatype": "FP32", "shape": [1, 2], "data": [0.25, 0.75]},
        ],
    }
)
_HEADERS = (("content-type", "application/json"),)


class BareApp:
    """Parse the request's JSON, answer the fixed response: nothing else."""

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        if scope.method == "POST":
            orjson.loads(await proto())
        proto.response_bytes(200, _HEADERS, _ANSWER)


def create_app() -> BareApp:
    return BareApp()


def bare_group(log_path: Path, *, http_port: int) -> ProcessGroup:
    """One granian worker with inferd's transport settings (RSGI, uvloop), serving :class:`BareApp`."""
    granian = Path(sys.executable).parent / "granian"
    command = [
        str(granian),
        "--interface",
        "rsgi",
        "--loop",
        "uvloop",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(http_port),
        "--no-ws",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "bare_rsgi:create_app",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERD_")}
    return ProcessGroup("bare granian RSGI", command, env, log_path, cwd=Path(__file__).parent)
