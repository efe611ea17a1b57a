"""The Open Inference Protocol over gRPC (``inference.GRPCInferenceService`` on grpc.aio).

Each RPC decodes with :mod:`inferd.protocol.grpc`, calls the same inference and
manager code as REST, and maps an :class:`~inferd.errors.InferdError` to its
gRPC status by the code name the error carries. The client's gRPC deadline
bounds the request's own.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc

import inferd
from inferd.errors import InferdError, VersionNotFoundError
from inferd.protocol.grpc import (
    model_metadata_message,
    pb,
    request_from_message,
    response_to_message,
    server_metadata_message,
)
from inferd.protocol.grpc.open_inference_grpc_pb2_grpc import (
    GRPCInferenceServiceServicer,
    add_GRPCInferenceServiceServicer_to_server,
)
from inferd.server.inference import PLATFORMS, PREDICTION_ID_HEADER
from inferd.server.inference_service import InferenceService
from inferd.server.rest import EXTENSIONS
from inferd.server.server_wide import ServerWide

log = logging.getLogger("inferd.server.grpc")


class InferenceServicer(GRPCInferenceServiceServicer):
    def __init__(self, service: InferenceService, server_wide: ServerWide | None = None) -> None:
        self._service = service
        self._manager = service.manager
        self._server_wide: ServerWide = server_wide or service.manager

    async def ServerLive(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        return pb.ServerLiveResponse(live=True)

    async def ServerReady(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        return pb.ServerReadyResponse(ready=self._manager.is_ready)

    async def ModelReady(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            self._manager.served(request.name, _version(request.version))
        except InferdError:
            return pb.ModelReadyResponse(ready=False)
        return pb.ModelReadyResponse(ready=True)

    async def ServerMetadata(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        return server_metadata_message("inferd", inferd.__version__, EXTENSIONS)

    async def ModelMetadata(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            handle = self._manager.served(request.name, _version(request.version))
        except InferdError as exc:
            await _abort(context, exc)
        signature = handle.signature
        framework = handle.framework
        return model_metadata_message(
            handle.name,
            [str(handle.version)],
            PLATFORMS.get(framework, framework),
            signature.inputs,
            signature.outputs,
        )

    async def ModelInfer(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            answer = await self._service.infer(
                "grpc",
                request.model_name,
                _version(request.model_version),
                lambda: request_from_message(request),
                client_timeout_s=context.time_remaining(),
                header=lambda key: _metadata_value(context, key),
            )
            trailing = []
            if answer.prediction_id is not None:
                trailing.append((PREDICTION_ID_HEADER, answer.prediction_id))
            if answer.trace_response is not None:
                trailing.append(("traceresponse", answer.trace_response))
            if trailing:
                context.set_trailing_metadata(tuple(trailing))
            return response_to_message(answer.response)
        except InferdError as exc:
            await _abort(context, exc)
        except Exception:
            log.exception("internal error in ModelInfer")
            await context.abort(grpc.StatusCode.INTERNAL, "internal server error (logged)")

    async def ModelStatistics(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            reports = await self._server_wide.statistics(request.name or None, _version(request.version))
        except InferdError as exc:
            await _abort(context, exc)
        response = pb.ModelStatisticsResponse()
        for report in reports:
            _fill_statistics(response.model_stats.add(), report)
        return response

    async def RepositoryIndex(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        response = pb.RepositoryIndexResponse()
        for state in await self._server_wide.index():
            if request.ready and state.state != "READY":
                continue
            response.models.add(
                name=state.name,
                version="" if state.version is None else str(state.version),
                state=state.state,
                reason=state.reason,
            )
        return response

    async def RepositoryModelLoad(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            await self._server_wide.load(request.model_name)
        except InferdError as exc:
            await _abort(context, exc)
        return pb.RepositoryModelLoadResponse()

    async def RepositoryModelUnload(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: N802
        try:
            await self._server_wide.unload(request.model_name)
        except InferdError as exc:
            await _abort(context, exc)
        return pb.RepositoryModelUnloadResponse()


def _metadata_value(context: grpc.aio.ServicerContext[Any, Any], key: str) -> str | None:
    """One request metadata value (looked up only when asked: most requests never ask)."""
    for name, value in context.invocation_metadata() or ():
        if name == key:
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _version(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise VersionNotFoundError(f"no version {text!r} (versions are integers)") from None


async def _abort(context: grpc.aio.ServicerContext[Any, Any], exc: InferdError) -> None:
    code = getattr(grpc.StatusCode, exc.grpc_code, grpc.StatusCode.INTERNAL)
    if code == grpc.StatusCode.INTERNAL:  # ours to fix, not the client's
        log.error("internal error: %s", exc)
    await context.abort(code, str(exc))


def _fill_statistics(stat: Any, data: dict[str, Any]) -> None:
    stat.name = data["name"]
    stat.version = data["version"]
    stat.last_inference = data["last_inference"]
    stat.inference_count = data["inference_count"]
    stat.execution_count = data["execution_count"]
    for key, value in data["inference_stats"].items():
        getattr(stat.inference_stats, key).count = value["count"]
        getattr(stat.inference_stats, key).ns = value["ns"]
    for entry in data["batch_stats"]:
        batch = stat.batch_stats.add(batch_size=entry["batch_size"])
        for key in ("compute_input", "compute_infer", "compute_output"):
            getattr(batch, key).count = entry[key]["count"]
            getattr(batch, key).ns = entry[key]["ns"]


def add_to_server(
    server: grpc.aio.Server, service: InferenceService, server_wide: ServerWide | None = None
) -> None:
    add_GRPCInferenceServiceServicer_to_server(InferenceServicer(service, server_wide), server)  # type: ignore[no-untyped-call]
