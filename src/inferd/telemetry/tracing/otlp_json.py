"""OTLP's JSON encoding of finished requests (``ExportTraceServiceRequest``), written directly.

Each request gives one SERVER span named ``inference`` and one INTERNAL child span
per pipeline stage. Text that can vary (model names, versions, exception types)
goes through orjson; ids and times are hex and decimal digits by construction.
int64 values travel as JSON strings, as the OTLP JSON mapping asks.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence

import orjson

from inferd.telemetry.tracing.finished_request import FinishedRequest

SPAN_KIND_INTERNAL = 1
SPAN_KIND_SERVER = 2
STATUS_ERROR = 2


def encode_spans(requests: Sequence[FinishedRequest]) -> str:
    """The spans of ``requests``, comma-separated: a part of a document's ``spans`` list."""
    return ",".join(map(_request_spans, requests))


def encode_document(span_parts: Sequence[str], service_name: str) -> bytes:
    """The ``ExportTraceServiceRequest`` of the non-empty ``span_parts`` (each from :func:`encode_spans`)."""
    spans = ",".join(part for part in span_parts if part)
    resource = _string_attribute("service.name", service_name)
    return (
        f'{{"resourceSpans":[{{"resource":{{"attributes":[{resource}]}},'
        f'"scopeSpans":[{{"scope":{{"name":"inferd"}},"spans":[{spans}]}}]}}]}}'
    ).encode()


def _request_spans(request: FinishedRequest) -> str:
    trace = f"{request.trace_id:032x}"
    own = f"{request.span_id:016x}"
    parent = f',"parentSpanId":"{request.parent_span_id:016x}"' if request.parent_span_id else ""
    attributes = _fixed_attributes(
        request.protocol, request.model, request.version, request.code, request.error_type
    ) + _int_attribute("inferd.rows", request.rows)
    status = f',"status":{{"code":{STATUS_ERROR}}}' if request.is_error else ""
    spans = [
        f'{{"traceId":"{trace}","spanId":"{own}"{parent},"name":"inference","kind":{SPAN_KIND_SERVER},'
        f'"startTimeUnixNano":"{request.start_ns}","endTimeUnixNano":"{request.ns(request.end_perf_s)}",'
        f'"attributes":[{attributes}]{status}}}'
    ]
    getrandbits = random.getrandbits
    for stage, started, ended in request.timeline:
        spans.append(
            f'{{"traceId":"{trace}","spanId":"{getrandbits(64) or 1:016x}","parentSpanId":"{own}",'
            f'"name":{_json_string(stage)},"kind":{SPAN_KIND_INTERNAL},'
            f'"startTimeUnixNano":"{request.ns(started)}","endTimeUnixNano":"{request.ns(ended)}"}}'
        )
    return ",".join(spans)


@functools.lru_cache(maxsize=1024)
def _fixed_attributes(protocol: str, model: str, version: str, code: int, error_type: str | None) -> str:
    """The attributes many requests share, encoded once (label-like values: bounded in number)."""
    parts = [
        _string_attribute("inferd.protocol", protocol),
        _string_attribute("inferd.model", model),
        _string_attribute("inferd.model_version", version),
        _int_attribute("inferd.status_code", code),
    ]
    if error_type is not None:
        parts.append(_string_attribute("error.type", error_type))
    return ",".join(parts) + ","


@functools.lru_cache(maxsize=256)
def _json_string(value: str) -> str:
    """``value`` as a JSON string; stage names and attribute values are a handful, encoded over and over."""
    return orjson.dumps(value).decode()


def _string_attribute(key: str, value: str) -> str:
    return f'{{"key":"{key}","value":{{"stringValue":{_json_string(value)}}}}}'


def _int_attribute(key: str, value: int) -> str:
    return f'{{"key":"{key}","value":{{"intValue":"{value}"}}}}'
