"""The edge's one way into inference: decode, route, answer, and record what happened.

REST and gRPC both call :meth:`InferenceService.infer` with a decoder for their
wire format. It times the request from its arrival to its answer, counts it by
model, version, protocol and status (an error's HTTP status, for gRPC too, so one
set of SLO rules covers both), and re-raises errors for the transport to render.
Label values stay bounded: a model that is not served here is recorded as ``""``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from inferd.errors import InferdError
from inferd.protocol import InferenceRequest, InferenceResponse
from inferd.server.inference import run_inference
from inferd.serving.manager import ModelManager
from inferd.telemetry.metrics.server_metrics import ServerMetrics

_INTERNAL_ERROR = 500


class InferenceService:
    """Runs inference requests for the transports of one server process."""

    def __init__(self, manager: ModelManager, *, metrics: ServerMetrics | None = None) -> None:
        self.manager = manager
        self.metrics = metrics
        self.rows_served = 0  # cumulative, for the throughput gauge

    async def infer(
        self,
        protocol: str,
        name: str,
        version: int | None,
        decode: Callable[[], InferenceRequest],
        *,
        client_timeout_s: float | None = None,
    ) -> InferenceResponse:
        """Decode and run one request; errors propagate after they are recorded."""
        started = time.perf_counter()
        try:
            request = decode()
            response = await run_inference(
                self.manager, name, version, request, client_timeout_s=client_timeout_s
            )
        except InferdError as exc:
            self._record_failure(protocol, name, int(exc.http_status), started)
            raise
        except Exception:
            self._record_failure(protocol, name, _INTERNAL_ERROR, started)
            raise
        outputs = response.outputs
        if outputs:
            self.rows_served += len(next(iter(outputs.values())))
        if self.metrics is not None:
            self.metrics.observe_request(
                name, response.model_version or "", protocol, 200, time.perf_counter() - started
            )
        return response

    def _record_failure(self, protocol: str, name: str, code: int, started: float) -> None:
        if self.metrics is None:
            return
        manager = self.manager
        if not manager.is_known(name):
            name = ""
        version = manager.serving_version(name) if name else None
        label = "" if version is None else str(version)
        self.metrics.observe_request(name, label, protocol, code, time.perf_counter() - started)
