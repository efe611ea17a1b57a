"""Traced requests to an OTLP/HTTP endpoint, in OTLP's JSON encoding, from one background thread.

Why not OpenTelemetry's Python SDK: measured here, its spans and exporter cost about
90 µs of CPU per traced request of three spans, more than the whole request (about
70 µs). Here the request path appends one tuple (about a microsecond) and this
thread writes the spans' JSON directly (:mod:`.otlp_json`). What goes on the wire
is standard OTLP (``ExportTraceServiceRequest``, JSON encoding, ``POST /v1/traces``),
so any OpenTelemetry Collector, Jaeger, Tempo or vendor endpoint takes it.

Bounded: at most ``max_queued_requests`` wait; beyond that requests' spans are
dropped, counted and logged once per burst. :meth:`OtlpJsonExporter.close` sends
what is queued.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.parse
from collections import deque

from inferd.telemetry.tracing.finished_request import FinishedFields
from inferd.telemetry.tracing.otlp_json import encode_document, encode_spans

log = logging.getLogger("inferd.telemetry")

# Requests encoded between two moments when the thread lets go of the GIL. Encoding is Python
# (about 4 µs a request), and a thread running Python keeps the GIL until another has waited a
# whole switch interval (5 ms): a batch of 1000 encoded in one go held the serving thread up by
# about that much. ``time.sleep(0)`` between parts hands the GIL over (see the prediction log's writer).
ENCODE_PART_REQUESTS = 100


class OtlpJsonExporter:
    """Owned by the tracer: :meth:`start`, :meth:`add` from any thread, :meth:`close` to flush."""

    def __init__(
        self,
        endpoint: str,
        *,
        service_name: str,
        headers: dict[str, str] | None = None,
        max_queued_requests: int = 10_000,
        batch_requests: int = 1_000,
        interval_s: float = 1.0,
        timeout_s: float = 10.0,
    ) -> None:
        self._url = urllib.parse.urlsplit(endpoint)
        if self._url.scheme not in ("http", "https") or not self._url.hostname:
            raise ValueError(f"OTLP endpoint must be an http(s) URL, got {endpoint!r}")
        self._headers = {"content-type": "application/json", **(headers or {})}
        self._service_name = service_name
        self._queue: deque[FinishedFields] = deque()
        self._max_queued = max_queued_requests
        self._batch = batch_requests
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._wake = threading.Event()
        self._stopping = False
        # Not ``_thread``: a compiled build names the C field after it, and ``__thread`` is a C keyword.
        self._exporter_thread: threading.Thread | None = None
        self._connection: http.client.HTTPConnection | None = None
        self.sent = self.dropped = self.failed = 0  # in requests
        self._burst_dropped = 0

    def start(self) -> None:
        self._exporter_thread = threading.Thread(target=self._run, name="inferd-otlp-exporter", daemon=True)
        self._exporter_thread.start()

    def add(self, request: FinishedFields) -> None:
        """Queue one traced request; never blocks (drops, counted, when the queue is full)."""
        queue = self._queue
        if len(queue) >= self._max_queued:
            self.dropped += 1
            self._burst_dropped += 1
            return
        queue.append(request)  # deque.append is atomic under the GIL
        if len(queue) == self._batch:
            self._wake.set()

    def close(self, timeout_s: float = 10.0) -> None:
        """Send everything queued, then stop."""
        self._stopping = True
        self._wake.set()
        if self._exporter_thread is not None:
            self._exporter_thread.join(timeout_s)
        if self._connection is not None:
            self._connection.close()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval_s)
            self._wake.clear()
            stopping = self._stopping
            while self._queue:
                self._send(self._take())
            if self._burst_dropped:
                log.warning(
                    "tracing: %d requests' spans dropped (the exporter is behind)", self._burst_dropped
                )
                self._burst_dropped = 0
            if stopping:
                return

    def _take(self) -> list[FinishedFields]:
        queue = self._queue
        return [queue.popleft() for _ in range(min(self._batch, len(queue)))]

    def _send(self, requests: list[FinishedFields]) -> None:
        spans: list[str] = []
        for start in range(0, len(requests), ENCODE_PART_REQUESTS):
            if start:
                time.sleep(0)
            encode_spans(requests[start : start + ENCODE_PART_REQUESTS], spans)
        body = encode_document(spans, self._service_name)
        status: int | str
        try:
            status = self._post(body)
        except OSError as exc:
            self._connection = None
            status = f"unreachable ({exc})"
        if status == 200:
            self.sent += len(requests)
            return
        self.failed += len(requests)
        log.warning(
            "tracing: %d requests' spans not exported: %s answered %s",
            len(requests),
            self._url.netloc,
            status,
        )

    def _post(self, body: bytes) -> int:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self._url.scheme == "https" else http.client.HTTPConnection
            self._connection = cls(self._url.hostname or "", self._url.port, timeout=self._timeout_s)
        self._connection.request("POST", self._url.path or "/v1/traces", body, self._headers)
        response = self._connection.getresponse()
        response.read()
        return response.status
