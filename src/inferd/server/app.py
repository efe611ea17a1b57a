"""One server process: the RSGI application granian runs, with gRPC on the same event loop.

granian owns the sockets, the worker processes and the signals. In each worker
``__rsgi_init__`` opens the registry, starts the model manager (which begins
loading in the background and returns at once) and the gRPC server;
``__rsgi__`` answers HTTP through :class:`~inferd.server.rest.RestApi`; on
SIGTERM granian stops accepting and lets in-flight requests finish, then
``__rsgi_del__`` stops gRPC (with a grace period) and drains every batcher.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

import inferd
from inferd.errors import PayloadTooLargeError
from inferd.registry import Registry
from inferd.server import grpc_service
from inferd.server.affinity import pin_this_thread
from inferd.server.heap import settle_heap
from inferd.server.inference_service import InferenceService
from inferd.server.metrics_sampler import MetricsSampler
from inferd.server.rest import HttpResponse, RestApi, error_response
from inferd.server.settings import SYNC_ENV, Configuration
from inferd.serving.manager import ModelManager
from inferd.telemetry.logs import configure_logging
from inferd.telemetry.metrics.server_metrics import ServerMetrics
from inferd.telemetry.prediction_log import PredictionLog, open_prediction_log

if TYPE_CHECKING:
    from inferd.server.shared_repository import SharedRepository
    from inferd.telemetry.tracing.request_tracer import RequestTracer

log = logging.getLogger("inferd.server")
_BODILESS = ("GET", "HEAD")


class InferdApp:
    """The RSGI application of one worker process."""

    def __init__(self, configuration: Configuration) -> None:
        self._configuration = configuration
        self._max_body_bytes = configuration.server.max_body_bytes
        self._registry: Registry | None = None
        self._manager: ModelManager | None = None
        self._api: RestApi | None = None
        self._grpc: grpc.aio.Server | None = None
        self._metrics: ServerMetrics | None = None
        self._tracer: RequestTracer | None = None
        self._prediction_log: PredictionLog | None = None
        self._sampler: MetricsSampler | None = None
        self._settling: asyncio.Task[None] | None = None
        self._shared: SharedRepository | None = None

    # -- lifecycle (granian calls these with the worker's loop, before and after serving) -----

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.start())

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.close())

    async def start(self) -> None:
        configuration = self._configuration
        self._registry = Registry.open(configuration.registry)
        compiled = request_path_compiled()
        log.info("request path: %s", "compiled (mypyc)" if compiled else "pure Python")
        if configuration.metrics.enabled:
            self._metrics = ServerMetrics(
                configuration.metrics, inferd_version=inferd.__version__, compiled=compiled
            )
        if configuration.tracing.enabled:
            from inferd.telemetry.tracing.request_tracer import RequestTracer

            self._tracer = RequestTracer(configuration.tracing)
        self._prediction_log = open_prediction_log(configuration.prediction_log, configuration.registry.home)
        if self._prediction_log is not None:
            self._prediction_log.start()
        self._manager = ModelManager(self._registry, configuration.serving, metrics=self._metrics)
        service = InferenceService(
            self._manager,
            metrics=self._metrics,
            tracer=self._tracer,
            prediction_log=self._prediction_log,
            access_log_enabled=configuration.logging.access_log,
        )
        changes: list[tuple[str, str]] = []
        sync_dir = os.environ.get(SYNC_ENV)
        if sync_dir:  # one worker of several: repository calls reach them all
            from inferd.server.shared_repository import SharedRepository

            self._shared = SharedRepository(self._manager, Path(sync_dir))
            changes = self._shared.replay()
        self._api = RestApi(service, server_wide=self._shared)
        await self._manager.start(changes=changes)
        if self._shared is not None:
            await self._shared.start()
        self._settling = asyncio.create_task(self._settle_when_ready(), name="inferd-settle-heap")
        if self._metrics is not None:
            self._sampler = MetricsSampler(self._metrics, service)
            self._sampler.start()
        if configuration.server.grpc_port:
            self._grpc = grpc.aio.server(
                options=[
                    ("grpc.so_reuseport", 1),
                    ("grpc.max_receive_message_length", configuration.server.max_body_bytes),
                    ("grpc.max_send_message_length", configuration.server.max_body_bytes),
                ]
            )
            grpc_service.add_to_server(self._grpc, service, self._shared)
            self._grpc.add_insecure_port(f"{configuration.server.host}:{configuration.server.grpc_port}")
            await self._grpc.start()

    async def _settle_when_ready(self) -> None:
        assert self._manager is not None
        await self._manager.wait_ready()
        settle_heap(prediction_log=self._prediction_log is not None)
        if self._configuration.server.cpu_affinity:
            # Now, not at start: granian starts its I/O threads after ``__rsgi_init__``, from this
            # thread, and they would inherit the CPU; the model threads start with the first batch.
            pin_this_thread()

    async def close(self) -> None:
        if self._settling is not None and not self._settling.done():
            self._settling.cancel()
        if self._grpc is not None:
            await self._grpc.stop(self._configuration.server.shutdown_timeout_s)
        if self._shared is not None:
            await self._shared.close()
        if self._manager is not None:
            await self._manager.close()
        # After the last request has finished: everything accepted is written, every span exported.
        if self._prediction_log is not None:
            await asyncio.to_thread(self._prediction_log.close, self._configuration.server.shutdown_timeout_s)
        if self._tracer is not None:
            await asyncio.to_thread(self._tracer.close)
        if self._registry is not None:
            self._registry.close()
        if self._sampler is not None:
            await self._sampler.close()
            self._sampler.sample()  # the prediction log's final counts
        if self._metrics is not None:
            self._metrics.close()

    # -- requests ---------------------------------------------------------------------------

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        api = self._api
        assert api is not None, "the app was not started"
        method = scope.method
        headers = scope.headers
        length = headers.get("content-length")
        try:
            if method in _BODILESS:
                body = b""
            elif length is not None and int(length) <= self._max_body_bytes:
                body = bytes(await proto())  # the common case, without a coroutine of its own
            else:
                body = await self._read_body(length, proto)
        except PayloadTooLargeError as exc:
            response: HttpResponse = error_response(exc)
        else:
            response = await api.handle(method, scope.path, headers.get, body)
        proto.response_bytes(response.status, response.headers, response.body)

    async def _read_body(self, length: str | None, proto: Any) -> bytes:
        if length is not None:
            if int(length) > self._max_body_bytes:
                raise PayloadTooLargeError(
                    f"request body of {int(length)} bytes is over the limit of {self._max_body_bytes} bytes"
                )
            return bytes(await proto())
        chunks: list[bytes] = []
        size = 0
        async for chunk in proto:
            size += len(chunk)
            if size > self._max_body_bytes:
                raise PayloadTooLargeError(f"request body is over the limit of {self._max_body_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def request_path_compiled() -> bool:
    """Whether the request path runs compiled: a compiled build (pyproject.toml, ``[tool.inferd.mypyc]``)."""
    from inferd.server import rest

    return not rest.__file__.endswith(".py")


def create_app() -> InferdApp:
    """granian's factory: the configuration comes from ``INFERD_SERVER_CONFIG``."""
    configuration = Configuration.from_environment()
    configure_logging(configuration.logging)
    return InferdApp(configuration)
