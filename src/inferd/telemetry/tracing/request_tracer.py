"""The tracer of one server process: a span per traced request and one per pipeline stage.

The sampling decision comes first and costs one random draw: an unsampled
request records nothing. A caller's W3C ``traceparent`` is honoured (its trace
continues here and its sampled flag decides); the answer's ``traceresponse``
names the request's span. Span attributes never carry request values or error
messages, which may hold personal data: only names, versions, counts, status
codes and exception types. Finished spans go to :class:`OtlpJsonExporter`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

from inferd.telemetry.tracing.otlp_exporter import OtlpJsonExporter
from inferd.telemetry.tracing.settings import TracingSettings
from inferd.telemetry.tracing.timeline import STAGE_TIMELINE, StageTimeline
from inferd.telemetry.tracing.traceparent import parse_traceparent, sampled_traceparent

HeaderLookup = Callable[[str], str | None]
DEFAULT_ENDPOINT = "http://localhost:4318/v1/traces"


class RequestTracer:
    """Owned by the server process: built at start (which starts its exporter), :meth:`close` flushes."""

    def __init__(self, settings: TracingSettings) -> None:
        self._ratio = settings.sample_ratio
        self._random = random.Random()
        self.exporter = OtlpJsonExporter(
            settings.otlp_endpoint or endpoint_from_environment(),
            service_name=settings.service_name,
            headers=headers_from_environment(),
        )
        self.exporter.start()

    def start(self, protocol: str, model: str, header: HeaderLookup | None) -> RequestSpan | None:
        """A span for this request, or ``None`` when it is not sampled."""
        value = header("traceparent") if header is not None else None
        parent = parse_traceparent(value) if value else None
        if parent is not None:
            if not parent.sampled:
                return None
            trace_id, parent_span_id = parent.trace_id, parent.span_id
        else:
            ratio = self._ratio
            if ratio < 1.0 and (ratio <= 0.0 or self._random.random() >= ratio):
                return None
            trace_id, parent_span_id = self._random.getrandbits(128) or 1, 0
        return RequestSpan(
            self.exporter, trace_id, parent_span_id, self._random.getrandbits(64) or 1, protocol, model
        )

    def close(self) -> None:
        """Export what is queued and stop."""
        self.exporter.close()


class RequestSpan:
    """One traced request: the pipeline notes its stages on :attr:`timeline`; :meth:`finish` queues it.

    One per traced request, on the serving thread, so it stays cheap: slots, its ids written
    in hex once, as every traced request's log context and answer want them
    (``int.to_bytes(n).hex()`` costs half an f-string's ``:032x``), and its record a plain tuple.
    """

    __slots__ = (
        "_exporter",
        "_model",
        "_parent_span_id",
        "_protocol",
        "_span_id",
        "_start_ns",
        "_start_perf_s",
        "_token",
        "_trace_id",
        "timeline",
        "trace_id",
        "trace_response",
    )

    def __init__(
        self,
        exporter: OtlpJsonExporter,
        trace_id: int,
        parent_span_id: int,
        span_id: int,
        protocol: str,
        model: str,
    ) -> None:
        self._exporter = exporter
        self._trace_id, self._parent_span_id, self._span_id = trace_id, parent_span_id, span_id
        self._protocol, self._model = protocol, model
        self.trace_id = trace_id.to_bytes(16).hex()  # as W3C and OTLP write it
        #: The ``traceresponse`` header (a sampled ``traceparent``): this request's span, for the caller.
        self.trace_response = sampled_traceparent(self.trace_id, span_id)
        self._start_ns = time.time_ns()
        self._start_perf_s = time.perf_counter()
        self.timeline: StageTimeline = []
        self._token = STAGE_TIMELINE.set(self.timeline)

    def finish(self, *, version: str, code: int, rows: int, error: BaseException | None = None) -> None:
        STAGE_TIMELINE.reset(self._token)
        self._exporter.add(
            (
                self._trace_id,
                self._span_id,
                self._parent_span_id,
                self._start_ns,
                self._start_perf_s,
                time.perf_counter(),
                self.timeline,
                self._protocol,
                self._model,
                version,
                code,
                rows,
                None if error is None else type(error).__name__,
            )
        )


def endpoint_from_environment() -> str:
    """OpenTelemetry's standard variables: the traces endpoint, or the base endpoint plus /v1/traces."""
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if traces:
        return traces
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return base.rstrip("/") + "/v1/traces" if base else DEFAULT_ENDPOINT


def headers_from_environment() -> dict[str, str]:
    """``OTEL_EXPORTER_OTLP_HEADERS`` (``key=value,key2=value2``), e.g. a vendor's API key."""
    raw = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or os.environ.get("OTEL_EXPORTER_OTLP_HEADERS")
    headers = {}
    for pair in (raw or "").split(","):
        key, sep, value = pair.partition("=")
        if sep and key.strip():
            headers[key.strip().lower()] = value.strip()
    return headers
