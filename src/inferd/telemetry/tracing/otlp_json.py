"""OTLP's JSON encoding of finished requests (``ExportTraceServiceRequest``), written directly.

Each request gives one SERVER span named ``inference`` and one INTERNAL child span
per pipeline stage. Text that can vary (model names, versions, exception types)
goes through orjson, once per distinct value; ids and times are hex and decimal
digits by construction. int64 values travel as JSON strings, as the OTLP JSON
mapping asks. Ids are written as ``int.to_bytes(n).hex()`` (half the instructions
of an f-string's ``:016x``), and each span is one f-string of strings and ints.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable

import orjson

from inferd.telemetry.tracing.finished_request import FinishedFields, is_error

SPAN_KIND_INTERNAL = 1
SPAN_KIND_SERVER = 2
STATUS_ERROR = 2
_SERVER_NAME_AND_KIND = f'"name":"inference","kind":{SPAN_KIND_SERVER},'


def encode_spans(requests: Iterable[FinishedFields], spans: list[str]) -> None:
    """Append the spans of ``requests`` to ``spans``, each one JSON object."""
    for request in requests:
        _append_request_spans(spans, request)


def encode_document(spans: Iterable[str], service_name: str) -> bytes:
    """The ``ExportTraceServiceRequest`` of ``spans`` (from :func:`encode_spans`), joined in one go."""
    resource = _string_attribute("service.name", service_name)
    return (
        f'{{"resourceSpans":[{{"resource":{{"attributes":[{resource}]}},'
        f'"scopeSpans":[{{"scope":{{"name":"inferd"}},"spans":[{",".join(spans)}]}}]}}]}}'
    ).encode()


def _append_request_spans(spans: list[str], request: FinishedFields) -> None:
    """The request's SERVER span, then one child span per stage of its timeline."""
    (
        trace_id,
        span_id,
        parent_span_id,
        start_ns,
        start_perf_s,
        end_perf_s,
        timeline,
        protocol,
        model,
        version,
        code,
        rows,
        error_type,
    ) = request
    trace, own = trace_id.to_bytes(16).hex(), span_id.to_bytes(8).hex()
    parent = f',"parentSpanId":"{parent_span_id.to_bytes(8).hex()}"' if parent_span_id else ""
    attributes, status = _outcome(protocol, model, version, code, error_type)
    # Wall-clock ns: start_ns plus a perf_counter() difference, written out (a call costs more).
    end_ns = start_ns + int((end_perf_s - start_perf_s) * 1e9)
    spans.append(
        f'{{"traceId":"{trace}","spanId":"{own}"{parent},{_SERVER_NAME_AND_KIND}'
        f'"startTimeUnixNano":"{start_ns}","endTimeUnixNano":"{end_ns}",'
        f'"attributes":[{attributes}{_int_attribute("inferd.rows", rows)}]{status}}}'
    )
    head, of_own = f'{{"traceId":"{trace}","spanId":"', f'","parentSpanId":"{own}","name":'
    getrandbits = random.getrandbits
    for stage, started, ended in timeline:
        spans.append(
            f"{head}{(getrandbits(64) or 1).to_bytes(8).hex()}{of_own}{_name_and_kind(stage)}"
            f'"startTimeUnixNano":"{start_ns + int((started - start_perf_s) * 1e9)}",'
            f'"endTimeUnixNano":"{start_ns + int((ended - start_perf_s) * 1e9)}"}}'
        )


@functools.lru_cache(maxsize=1024)
def _outcome(protocol: str, model: str, version: str, code: int, error_type: str | None) -> tuple[str, str]:
    """The attributes many requests share, and the span's status: encoded once (label-like values)."""
    parts = [
        _string_attribute("inferd.protocol", protocol),
        _string_attribute("inferd.model", model),
        _string_attribute("inferd.model_version", version),
        _int_attribute("inferd.status_code", code),
    ]
    if error_type is not None:
        parts.append(_string_attribute("error.type", error_type))
    status = f',"status":{{"code":{STATUS_ERROR}}}' if is_error(code) else ""
    return ",".join(parts) + ",", status


@functools.lru_cache(maxsize=256)
def _name_and_kind(stage: str) -> str:
    """A stage span's name and kind; stage names are a handful, encoded over and over."""
    return f'{_json_string(stage)},"kind":{SPAN_KIND_INTERNAL},'


@functools.lru_cache(maxsize=256)
def _json_string(value: str) -> str:
    return orjson.dumps(value).decode()


def _string_attribute(key: str, value: str) -> str:
    return f'{{"key":"{key}","value":{{"stringValue":{_json_string(value)}}}}}'


def _int_attribute(key: str, value: int) -> str:
    return f'{{"key":"{key}","value":{{"intValue":"{value}"}}}}'
