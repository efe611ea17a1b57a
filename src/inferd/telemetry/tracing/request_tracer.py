"""The tracer of one server process: a span per traced request, exported over OTLP.

The sampling decision comes first and costs one random draw: an unsampled
request creates no span at all. A caller's W3C ``traceparent`` is honoured (its
trace continues here, and its sampled flag decides); the answer carries a
``traceresponse`` header naming the request's span. Span attributes never carry
request values or error messages, which may hold personal data: only names,
versions, counts, status codes and exception types.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from inferd._optional import require
from inferd.telemetry.tracing.settings import TracingSettings
from inferd.telemetry.tracing.timeline import STAGE_TIMELINE, StageTimeline

HeaderLookup = Callable[[str], str | None]


class RequestTracer:
    """Owned by the server process: built at start, :meth:`close` flushes the exporter."""

    def __init__(self, settings: TracingSettings) -> None:
        sdk_trace = require("opentelemetry.sdk.trace", "tracing")
        export = require("opentelemetry.sdk.trace.export", "tracing")
        otlp = require("opentelemetry.exporter.otlp.proto.http.trace_exporter", "tracing")
        resources = require("opentelemetry.sdk.resources", "tracing")
        propagation = require("opentelemetry.trace.propagation.tracecontext", "tracing")
        self._trace = require("opentelemetry.trace", "tracing")
        self._ratio = settings.sample_ratio
        resource = resources.Resource.create({"service.name": settings.service_name})
        self._provider = sdk_trace.TracerProvider(resource=resource)
        exporter = otlp.OTLPSpanExporter(endpoint=settings.otlp_endpoint)
        self._provider.add_span_processor(export.BatchSpanProcessor(exporter))
        self._tracer = self._provider.get_tracer("inferd")
        self._propagator = propagation.TraceContextTextMapPropagator()

    def start(self, protocol: str, model: str, header: HeaderLookup | None) -> RequestSpan | None:
        """A span for this request, or ``None`` when it is not sampled."""
        traceparent = header("traceparent") if header is not None else None
        parent = None
        if traceparent:
            carrier = {"traceparent": traceparent}
            state = header("tracestate") if header is not None else None
            if state:
                carrier["tracestate"] = state
            parent = self._propagator.extract(carrier)
            sampled = self._trace.get_current_span(parent).get_span_context().trace_flags.sampled
            if not sampled and self._trace.get_current_span(parent).get_span_context().is_valid:
                return None
        if parent is None and (self._ratio <= 0.0 or (self._ratio < 1.0 and random.random() >= self._ratio)):
            return None
        span = self._tracer.start_span(
            "inference",
            context=parent,
            kind=self._trace.SpanKind.SERVER,
            attributes={"inferd.protocol": protocol, "inferd.model": model},
        )
        return RequestSpan(self._tracer, self._trace, span)

    def close(self) -> None:
        """Export what is buffered and stop."""
        self._provider.shutdown()


class RequestSpan:
    """One traced request: collects the pipeline's stages, ends with its outcome."""

    def __init__(self, tracer: Any, trace: Any, span: Any) -> None:
        self._tracer, self._trace, self._span = tracer, trace, span
        self._epoch_ns = time.time_ns()
        self._perf_s = time.perf_counter()
        self.timeline: StageTimeline = []
        self._token = STAGE_TIMELINE.set(self.timeline)
        context = span.get_span_context()
        self.trace_id = format(context.trace_id, "032x")
        self.trace_response = f"00-{self.trace_id}-{format(context.span_id, '016x')}-01"

    def finish(self, *, version: str, code: int, rows: int, error: BaseException | None = None) -> None:
        STAGE_TIMELINE.reset(self._token)
        span = self._span
        span.set_attribute("inferd.model_version", version)
        span.set_attribute("inferd.status_code", code)
        span.set_attribute("inferd.rows", rows)
        if error is not None:
            span.set_attribute("error.type", type(error).__name__)
            if code >= 500 or code == 429:
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        parent = self._trace.set_span_in_context(span)
        for stage, started, ended in self.timeline:
            child = self._tracer.start_span(
                stage, context=parent, start_time=self._ns(started), attributes={"inferd.stage": stage}
            )
            child.end(end_time=self._ns(ended))
        span.end()

    def _ns(self, perf_s: float) -> int:
        return self._epoch_ns + int((perf_s - self._perf_s) * 1e9)
