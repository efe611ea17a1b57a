"""The REST API: Open Inference Protocol v2, the friendly records API, admin and docs.

Transport-neutral HTTP: :meth:`RestApi.handle` takes a method, a path, a header
lookup and the body, and returns an :class:`HttpResponse`; the RSGI adapter (and
tests) call it. Every error is ``{"error": "..."}`` with the status its
:class:`~inferd.errors.InferdError` carries; anything else is logged as our bug
and answered 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import NamedTuple

import orjson

import inferd
from inferd.errors import (
    InferdError,
    InvalidInputError,
    MethodNotAllowedError,
    NotFoundError,
    OverloadedError,
    VersionNotFoundError,
)
from inferd.protocol import records, v2
from inferd.protocol.json_object import load_json_object
from inferd.server.inference import DEGRADED, PLATFORMS, PREDICTION_ID_HEADER
from inferd.server.inference_service import Answer, InferenceService
from inferd.server.openapi import openapi_document
from inferd.server.server_wide import ServerWide

log = logging.getLogger("inferd.server")

HeaderLookup = Callable[[str], str | None]
EXTENSIONS = ("binary_tensor_data", "model_repository", "statistics")
_V2_MODELS = "/v2/models/"
_INFER = "/infer"
_JSON = (("content-type", "application/json"),)


class HttpResponse(NamedTuple):
    status: int
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = _JSON


def _ok(body: bytes) -> HttpResponse:
    return HttpResponse(200, body)


class RestApi:
    """Routes HTTP requests to the model manager."""

    def __init__(
        self,
        service: InferenceService,
        *,
        server_wide: ServerWide | None = None,
    ) -> None:
        self._service = service
        self._manager = manager = service.manager
        self._metrics = service.metrics
        #: index, load, unload, reload and stats: the manager's own, or every worker's of this server
        self._server_wide: ServerWide = server_wide or manager
        self._openapi: bytes | None = None

    async def handle(self, method: str, path: str, header: HeaderLookup, body: bytes) -> HttpResponse:
        try:
            if method == "POST" and path.startswith(_V2_MODELS) and path.endswith(_INFER):
                # The hot path, routed in one step; anything unusual about it takes the general route.
                name, version, rest = _model_path(path[len(_V2_MODELS) : -len(_INFER)].split("/"))
                if name and not rest:
                    return await self._infer(name, version, header, body)
            return await self._route(method, path.rstrip("/") or "/", header, body)
        except InferdError as exc:
            if exc.http_status == HTTPStatus.INTERNAL_SERVER_ERROR:  # ours to fix, not the client's
                log.error("internal error on %s %s: %s", method, path, exc)
            return error_response(exc)
        except Exception:
            log.exception("internal error on %s %s", method, path)
            return HttpResponse(500, v2.encode_error("internal server error (logged)"))

    async def _route(self, method: str, path: str, header: HeaderLookup, body: bytes) -> HttpResponse:
        parts = path.split("/")[1:]
        head = parts[0] if parts else ""
        if head == "v2":
            return await self._v2(method, parts[1:], header, body)
        if head == "v1" and len(parts) >= 3 and parts[1] == "models":
            return await self._v1(method, parts[2:], header, body)
        if path == "/openapi.json" and method == "GET":
            if self._openapi is None:
                self._openapi = orjson.dumps(openapi_document(inferd.__version__))
            return _ok(self._openapi)
        if path == "/metrics" and self._metrics is not None:
            _require(method, "GET")
            return HttpResponse(200, self._metrics.render(), [("content-type", self._metrics.content_type)])
        if path == "/admin/reload":
            _require(method, "POST")
            return _ok(orjson.dumps({"reloaded": await self._server_wide.reload()}))
        raise NotFoundError(f"no route for {method} {path}")

    async def _v2(self, method: str, parts: list[str], header: HeaderLookup, body: bytes) -> HttpResponse:
        if not parts:
            _require(method, "GET")
            return _ok(v2.encode_server_metadata("inferd", inferd.__version__, EXTENSIONS))
        if parts[0] == "health" and len(parts) == 2:
            _require(method, "GET")
            if parts[1] == "live":
                return _ok(v2.encode_live(True))
            if parts[1] == "ready":
                ready = self._manager.is_ready
                return HttpResponse(200 if ready else 503, v2.encode_ready(ready))
        if parts[0] == "models":
            return await self._models(method, parts[1:], header, body)
        if parts[0] == "repository":
            return await self._repository_route(method, parts[1:], body)
        raise NotFoundError(f"no route for {method} /v2/{'/'.join(parts)}")

    async def _models(self, method: str, parts: list[str], header: HeaderLookup, body: bytes) -> HttpResponse:
        if not parts or parts == ["stats"]:
            _require(method, "GET")
            return await self._stats(None, None)
        name, version, rest = _model_path(parts)
        if rest == "infer":
            _require(method, "POST")
            return await self._infer(name, version, header, body)
        if rest == "":
            _require(method, "GET")
            return self._metadata(name, version)
        if rest == "ready":
            _require(method, "GET")
            ready = self._is_model_ready(name, version)
            return HttpResponse(200 if ready else 400, v2.encode_model_ready(name, ready))
        if rest == "stats":
            _require(method, "GET")
            return await self._stats(name, version)
        raise NotFoundError(f"no route for {method} /v2/models/{'/'.join(parts)}")

    async def _infer(self, name: str, version: int | None, header: HeaderLookup, body: bytes) -> HttpResponse:
        json_length_header = header("inference-header-content-length")
        answer = await self._service.infer(
            "rest", name, version, lambda: v2.decode_request(body, json_length_header), header=header
        )
        encoded, json_length = v2.encode_response(answer.response)
        headers: Sequence[tuple[str, str]] = _JSON
        if json_length is not None:
            headers = (
                ("content-type", "application/octet-stream"),
                ("inference-header-content-length", str(json_length)),
            )
        return HttpResponse(200, encoded, _with_answer_headers(headers, answer))

    async def _v1(self, method: str, parts: list[str], header: HeaderLookup, body: bytes) -> HttpResponse:
        _require(method, "POST")
        target = "/".join(parts)
        if not target.endswith(":predict"):
            raise NotFoundError(
                f"no route for POST /v1/models/{target} (did you mean /v1/models/NAME:predict?)"
            )
        name, version, rest = _model_path(target[: -len(":predict")].split("/"))
        if rest:
            raise NotFoundError(f"no route for POST /v1/models/{target}")
        answer = await self._service.infer(
            "rest", name, version, lambda: records.decode_records(body), header=header
        )
        response = answer.response
        encoded = records.encode_predictions(
            response.outputs, response.model_version, response.id, name, answer.prediction_id
        )
        headers: Sequence[tuple[str, str]] = _JSON
        if response.parameters.get(DEGRADED):
            reason = str(response.parameters.get("degraded_reason", ""))
            headers = (*_JSON, ("inferd-degraded", reason.encode("ascii", "replace").decode()))
        return HttpResponse(200, encoded, _with_answer_headers(headers, answer))

    def _metadata(self, name: str, version: int | None) -> HttpResponse:
        handle = self._manager.served(name, version)
        signature = handle.signature
        return _ok(
            v2.encode_model_metadata(
                name,
                [str(handle.version)],
                PLATFORMS.get(handle.framework, handle.framework),
                signature.inputs,
                signature.outputs,
            )
        )

    async def _stats(self, name: str | None, version: int | None) -> HttpResponse:
        return _ok(orjson.dumps({"model_stats": await self._server_wide.statistics(name, version)}))

    async def _repository_route(self, method: str, parts: list[str], body: bytes) -> HttpResponse:
        _require(method, "POST")
        if parts == ["index"]:
            ready_only = _index_ready_flag(body)
            states = [
                {
                    "name": s.name,
                    "version": "" if s.version is None else str(s.version),
                    "state": s.state,
                    "reason": s.reason,
                }
                for s in await self._server_wide.index()
                if not ready_only or s.state == "READY"
            ]
            return _ok(orjson.dumps(states))
        if len(parts) == 3 and parts[0] == "models" and parts[2] in ("load", "unload"):
            if parts[2] == "load":
                await self._server_wide.load(parts[1])
            else:
                await self._server_wide.unload(parts[1])
            return _ok(b"{}")
        raise NotFoundError(f"no route for {method} /v2/repository/{'/'.join(parts)}")

    def _is_model_ready(self, name: str, version: int | None) -> bool:
        try:
            self._manager.served(name, version)
        except NotFoundError:
            return False
        return True


def _model_path(parts: list[str]) -> tuple[str, int | None, str]:
    """``[name]``, ``[name, "versions", v]``, plus an optional trailing verb -> (name, version, verb)."""
    name = parts[0]
    if len(parts) >= 3 and parts[1] == "versions":
        try:
            version = int(parts[2])
        except ValueError:
            raise VersionNotFoundError(
                f"model {name!r} has no version {parts[2]!r} (versions are integers)"
            ) from None
        return name, version, "/".join(parts[3:])
    return name, None, "/".join(parts[1:])


def _index_ready_flag(body: bytes) -> bool:
    """The index request's optional ``{"ready": true}``: list only the models ready for inference."""
    if not body.strip():
        return False
    ready = load_json_object(body, "repository index request").get("ready", False)
    if not isinstance(ready, bool):
        raise InvalidInputError(f"repository index 'ready' must be true or false, got {ready!r:.40}")
    return ready


def _require(method: str, expected: str) -> None:
    if method != expected:
        raise MethodNotAllowedError(f"use {expected} here, not {method}")


def _with_answer_headers(headers: Sequence[tuple[str, str]], answer: Answer) -> Sequence[tuple[str, str]]:
    _, prediction_id, trace_response = answer
    if prediction_id is not None:
        headers = (*headers, (PREDICTION_ID_HEADER, prediction_id))
    if trace_response is not None:
        headers = (*headers, ("traceresponse", trace_response))
    return headers


def error_response(exc: InferdError) -> HttpResponse:
    headers: Sequence[tuple[str, str]] = _JSON
    if isinstance(exc, OverloadedError):
        headers = (*_JSON, ("retry-after", str(max(1, round(exc.retry_after_s)))))
    return HttpResponse(int(exc.http_status), v2.encode_error(exc), headers)
