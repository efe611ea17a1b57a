"""The tracer on its own: W3C traceparent, sampling, OTLP JSON, and an exporter that never blocks."""

from __future__ import annotations

import json
import time

import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.tracing import STAGE_TIMELINE, TracingSettings
from inferd.telemetry.tracing.request_tracer import RequestTracer, endpoint_from_environment
from inferd.telemetry.tracing.traceparent import format_traceparent, parse_traceparent, sampled_traceparent
from tests.server.otlp_receiver import otlp_receiver

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE}-00f067aa0ba902b7-01", (int(TRACE, 16), 0x00F067AA0BA902B7, True)),
        (f"00-{TRACE}-00f067aa0ba902b7-00", (int(TRACE, 16), 0x00F067AA0BA902B7, False)),
        (f"01-{TRACE}-00f067aa0ba902b7-01-future", (int(TRACE, 16), 0x00F067AA0BA902B7, True)),
    ],
)
def test_a_valid_traceparent_is_read(header: str, expected: tuple[int, int, bool]) -> None:
    parent = parse_traceparent(header)
    assert parent is not None
    assert (parent.trace_id, parent.span_id, parent.sampled) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"00-{TRACE}-00f067aa0ba902b7-01-extra",  # version 00 has exactly four parts
        f"ff-{TRACE}-00f067aa0ba902b7-01",  # version ff is invalid
        f"00-{'0' * 32}-00f067aa0ba902b7-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",
        f"00-{TRACE[:-1]}x-00f067aa0ba902b7-01",
        f"00-{TRACE}-00f067aa0ba902b7",
    ],
)
def test_a_malformed_traceparent_is_ignored(header: str) -> None:
    assert parse_traceparent(header) is None


def test_traceparent_round_trips() -> None:
    parent = parse_traceparent(format_traceparent(12345, 678))
    assert parent is not None
    assert (parent.trace_id, parent.span_id, parent.sampled) == (12345, 678, True)


def test_a_traced_requests_traceresponse_is_the_traceparent_of_its_span() -> None:
    trace_id, span_id = 2**127 + 12345, 2**63 + 678
    header = sampled_traceparent(f"{trace_id:032x}", span_id)
    assert header == format_traceparent(trace_id, span_id)
    parent = parse_traceparent(header)
    assert parent is not None
    assert (parent.trace_id, parent.span_id, parent.sampled) == (trace_id, span_id, True)


def test_the_sampling_ratio_and_the_callers_flag_decide() -> None:
    with otlp_receiver() as (endpoint, _):
        never = RequestTracer(TracingSettings(enabled=True, otlp_endpoint=endpoint, sample_ratio=0.0))
        sampled_parent = {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}.get
        unsampled_parent = {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-00"}.get
        assert never.start("rest", "m", None) is None
        assert never.start("rest", "m", unsampled_parent) is None
        span = never.start("rest", "m", sampled_parent)
        assert span is not None
        assert span.trace_id == TRACE
        span.finish(version="1", code=200, rows=1)
        tenth = RequestTracer(TracingSettings(enabled=True, otlp_endpoint=endpoint, sample_ratio=0.1))
        traced = 0
        for _ in range(5000):
            span = tenth.start("rest", "m", None)
            if span is not None:
                traced += 1
                span.finish(version="1", code=200, rows=1)
        assert 350 < traced < 650
        never.close()
        tenth.close()


def test_stages_become_child_spans_and_errors_are_marked() -> None:
    with otlp_receiver() as (endpoint, received):
        tracer = RequestTracer(TracingSettings(enabled=True, otlp_endpoint=endpoint))
        span = tracer.start("grpc", "iris", None)
        assert span is not None
        timeline = STAGE_TIMELINE.get()
        assert timeline is not None
        now = time.perf_counter()
        timeline.append(("validate", now, now + 0.001))
        span.finish(version="3", code=503, rows=0, error=RuntimeError("boom with a secret value"))
        assert STAGE_TIMELINE.get() is None
        tracer.close()
    root, child = received.spans
    assert root["status"] == {"code": 2}
    assert received.attributes(root)["error.type"] == "RuntimeError"
    assert child["parentSpanId"] == root["spanId"]
    assert int(child["endTimeUnixNano"]) - int(child["startTimeUnixNano"]) == pytest.approx(1e6, rel=0.01)
    assert b"secret" not in b"".join(received.bodies)  # an error's message is never exported
    json.loads(received.bodies[0])


def test_an_unreachable_collector_costs_counts_not_requests() -> None:
    tracer = RequestTracer(TracingSettings(enabled=True, otlp_endpoint="http://127.0.0.1:9/v1/traces"))
    for _ in range(10):
        span = tracer.start("rest", "m", None)
        assert span is not None
        span.finish(version="1", code=200, rows=1)
    tracer.close()
    assert tracer.exporter.failed == 10
    assert tracer.exporter.sent == 0


def test_a_full_queue_drops_and_counts() -> None:
    from inferd.telemetry.tracing.finished_request import FinishedRequest
    from inferd.telemetry.tracing.otlp_exporter import OtlpJsonExporter

    exporter = OtlpJsonExporter("http://127.0.0.1:9/v1/traces", service_name="x", max_queued_requests=3)
    request = FinishedRequest(1, 2, 0, time.time_ns(), 0.0, 0.001, [], "rest", "m", "1", 200, 1, None)
    for _ in range(5):  # not started: nothing drains it
        exporter.add(request)
    assert exporter.dropped == 2


def test_the_endpoint_comes_from_opentelemetrys_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    assert endpoint_from_environment() == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom")
    assert endpoint_from_environment() == "http://traces:4318/custom"


def test_settings_refuse_a_ratio_outside_zero_to_one() -> None:
    with pytest.raises(InvalidInputError, match="ratio"):
        TracingSettings(sample_ratio=1.5)


def test_a_batch_encoded_in_parts_is_sent_as_one_whole_document() -> None:
    from inferd.telemetry.tracing.finished_request import FinishedRequest
    from inferd.telemetry.tracing.otlp_exporter import ENCODE_PART_REQUESTS, OtlpJsonExporter

    count = 2 * ENCODE_PART_REQUESTS + 50  # three parts, the last one short
    with otlp_receiver() as (endpoint, received):
        exporter = OtlpJsonExporter(endpoint, service_name="inferd")
        exporter.start()
        stages = [("validate", 0.0, 0.001), ("batched model", 0.001, 0.002)]
        for trace_id in range(1, count + 1):
            exporter.add(
                FinishedRequest(
                    trace_id, trace_id, 0, time.time_ns(), 0.0, 0.003, stages, "rest", "m", "1", 200, 1, None
                )
            )
        exporter.close()
    assert len(received.bodies) == 1
    assert exporter.sent == count
    spans = received.spans
    assert len(spans) == 3 * count  # the request's span and one per stage, none lost between parts
    assert {span["traceId"] for span in spans} == {f"{trace_id:032x}" for trace_id in range(1, count + 1)}
