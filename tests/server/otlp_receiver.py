"""A real OTLP/HTTP trace receiver for tests: decodes what the exporter sends with OpenTelemetry's own protos.

No collector binary is installable here; this speaks the protocol (protobuf
``ExportTraceServiceRequest`` POSTed to ``/v1/traces``) and keeps every span and
every raw body, so a test can also search the bytes for values that must never
be exported.
"""

from __future__ import annotations

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
    spans: list[Any] = field(default_factory=list)

    def attributes(self, span: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attribute in span.attributes:
            value = attribute.value
            out[attribute.key] = getattr(value, value.WhichOneof("value"))
        return out


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """Yields (endpoint URL for ``--otlp-endpoint``, what arrives)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    received = Received()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            request = ExportTraceServiceRequest.FromString(body)
            with lock:
                received.bodies.append(body)
                for resource_spans in request.resource_spans:
                    for scope_spans in resource_spans.scope_spans:
                        received.spans.extend(scope_spans.spans)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

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
