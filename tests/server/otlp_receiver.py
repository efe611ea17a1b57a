"""A real OTLP/HTTP trace receiver for tests: ``POST /v1/traces`` with OTLP's JSON encoding.

No collector binary is installable here; this speaks the protocol and keeps every
span and every raw body, so a test can also search the bytes for values that must
never be exported.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.services import free_port


@dataclass
class Received:
    bodies: list[bytes] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def attributes(span: dict[str, Any]) -> dict[str, Any]:
        return {a["key"]: next(iter(a["value"].values())) for a in span.get("attributes", [])}


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """Yields (endpoint URL for ``--otlp-endpoint``, what arrives)."""
    received = Received()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            assert self.headers["content-type"] == "application/json"
            document = json.loads(body)
            with lock:
                received.bodies.append(body)
                for resource_spans in document["resourceSpans"]:
                    received.resources.append(resource_spans["resource"])
                    for scope_spans in resource_spans["scopeSpans"]:
                        received.spans.extend(scope_spans["spans"])
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1/traces", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
