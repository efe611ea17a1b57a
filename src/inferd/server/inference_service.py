"""The edge's one way into inference: decode, route, answer, and record what happened.

REST and gRPC both call :meth:`InferenceService.infer` with a decoder for their
wire format and a header lookup. Around the call it:

- counts and times the request by model, version, protocol and status (an
  error's HTTP status, for gRPC too, so one set of SLO rules covers both; a model
  that is not served here is recorded as ``""`` so label values stay bounded);
- traces it when tracing is on (the caller's ``traceparent`` is honoured);
- sets the request's logging context, and writes an access line when asked;
- offers the request to the prediction log, whose id goes back to the client.

Errors are re-raised for the transport to render, after they are recorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from inferd.errors import InferdError
from inferd.protocol import InferenceRequest, InferenceResponse
from inferd.server.inference import build_response, deadline_for
from inferd.serving.manager import ModelManager
from inferd.serving.pipeline import InferenceResult
from inferd.serving.served_model import ServedModel
from inferd.telemetry.logs import ACCESS_LOGGER, REQUEST_CONTEXT
from inferd.telemetry.metrics.server_metrics import ServerMetrics
from inferd.telemetry.prediction_log import PredictionLog, PredictionRecord, new_prediction_id
from inferd.telemetry.tracing.request_tracer import RequestSpan, RequestTracer

HeaderLookup = Callable[[str], str | None]
_INTERNAL_ERROR = 500
_CLIENT_CLOSED = 499
access_log = logging.getLogger(ACCESS_LOGGER)


class Answer(NamedTuple):
    """A response, with what the transport adds to it: the prediction id and the trace's span."""

    response: InferenceResponse
    prediction_id: str | None = None
    trace_response: str | None = None


class InferenceService:
    """Runs inference requests for the transports of one server process."""

    def __init__(
        self,
        manager: ModelManager,
        *,
        metrics: ServerMetrics | None = None,
        tracer: RequestTracer | None = None,
        prediction_log: PredictionLog | None = None,
        access_log_enabled: bool = False,
    ) -> None:
        self.manager = manager
        self.metrics = metrics
        self.tracer = tracer
        self.prediction_log = prediction_log
        self._access = access_log_enabled
        # Every request needs an id and a logging context only when something records it by id.
        self._context = access_log_enabled or prediction_log is not None
        self.rows_served = 0  # cumulative, for the throughput gauge

    async def infer(
        self,
        protocol: str,
        name: str,
        version: int | None,
        decode: Callable[[], InferenceRequest],
        *,
        client_timeout_s: float | None = None,
        header: HeaderLookup | None = None,
    ) -> Answer:
        """Decode and run one request; errors propagate after they are recorded."""
        started = time.perf_counter()
        span = self.tracer.start(protocol, name, header) if self.tracer is not None else None
        prediction_id = None
        token = None
        if self._context or span is not None:
            prediction_id = new_prediction_id()
            # RequestContext's fields as a plain tuple: its constructor would cost 2.5k instructions more
            trace_id = span.trace_id if span is not None else None
            token = REQUEST_CONTEXT.set((prediction_id, name, trace_id, None))
        try:
            request = decode()
            deadline = deadline_for(self.manager.settings, request, client_timeout_s)
            handle, result = await self.manager.infer(name, version, request.inputs, deadline=deadline)
            served_version = handle.version  # a property: read once (the handle serves ``name``)
            logged_id = prediction_id if self.prediction_log is not None else None
            response = build_response(name, served_version, request, result, logged_id)
        except asyncio.CancelledError as exc:
            # The client went away (or its gRPC deadline passed first): nginx's 499, the client's doing.
            self._failed(protocol, name, _CLIENT_CLOSED, started, span, exc)
            raise
        except Exception as exc:
            code = int(exc.http_status) if isinstance(exc, InferdError) else _INTERNAL_ERROR
            self._failed(protocol, name, code, started, span, exc)
            raise
        finally:
            if token is not None:
                REQUEST_CONTEXT.reset(token)
        outputs = response.outputs
        rows = len(next(iter(outputs.values()))) if outputs else 0
        self.rows_served += rows
        elapsed_s = time.perf_counter() - started
        version_label = str(served_version)
        if self.metrics is not None:
            self.metrics.observe_request(name, version_label, protocol, 200, elapsed_s)
        if span is not None:
            span.finish(version=version_label, code=200, rows=rows)
        if self.prediction_log is not None and prediction_id is not None:
            self._log_prediction(prediction_id, name, served_version, handle, result, elapsed_s, span)
        if self._access:
            self._access_line(protocol, name, version_label, 200, elapsed_s, prediction_id, span)
        return Answer(response, logged_id, span.trace_response if span is not None else None)

    def _failed(
        self,
        protocol: str,
        name: str,
        code: int,
        started: float,
        span: RequestSpan | None,
        error: BaseException,
    ) -> None:
        manager = self.manager
        if not manager.is_known(name):
            name = ""
        version = manager.serving_version(name) if name else None
        label = "" if version is None else str(version)
        elapsed_s = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.observe_request(name, label, protocol, code, elapsed_s)
        if span is not None:
            span.finish(version=label, code=code, rows=0, error=error)
        if self._access:
            self._access_line(protocol, name, label, code, elapsed_s, None, span)

    def _log_prediction(
        self,
        prediction_id: str,
        name: str,
        version: int,
        handle: ServedModel,
        result: InferenceResult,
        elapsed_s: float,
        span: RequestSpan | None,
    ) -> None:
        assert self.prediction_log is not None
        # tuple.__new__ rather than the named tuple's constructor, a Python call: 4.7k -> 2.8k instructions
        record = tuple.__new__(
            PredictionRecord,
            (
                prediction_id,
                time.time() - elapsed_s,
                name,
                version,
                result.inputs or {},
                result.outputs,
                elapsed_s,
                span.trace_id if span is not None else None,
                handle.pii_fields,
                bool(result.degraded),
            ),
        )
        self.prediction_log.submit(record)

    @staticmethod
    def _access_line(
        protocol: str,
        model: str,
        version: str,
        code: int,
        elapsed_s: float,
        prediction_id: str | None,
        span: RequestSpan | None,
    ) -> None:
        # Status and timing only: an error's message may quote request values, so it stays out.
        access_log.info(
            "%s %s %s -> %d in %.2f ms",
            protocol,
            model or "-",
            version or "-",
            code,
            elapsed_s * 1e3,
            extra={
                "protocol": protocol,
                "status": code,
                "duration_ms": round(elapsed_s * 1e3, 3),
                "request_id": prediction_id,
                "model": model,
                "version": version,
                "trace_id": span.trace_id if span is not None else None,
            },
        )
