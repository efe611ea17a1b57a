"""A traced request as the request path leaves it: one tuple, expanded into spans by the exporter.

Recording a span object per stage on the request path costs microseconds each;
a request's spans are instead kept as one flat record (its ids, its clock
readings, its stage timeline and outcome), and the exporter's thread turns it
into the request's span and one child span per stage when it encodes them.
"""

from __future__ import annotations

from typing import NamedTuple

from inferd.telemetry.tracing.timeline import StageTimeline

#: The record as the request path queues it: a plain tuple of :class:`FinishedRequest`'s fields, in
#: its order. Building the NamedTuple would cost three times the instructions (4.7k against 1.4k).
FinishedFields = tuple[int, int, int, int, float, float, StageTimeline, str, str, str, int, int, str | None]


class FinishedRequest(NamedTuple):
    """The fields of a :data:`FinishedFields` record, named."""

    trace_id: int
    span_id: int
    parent_span_id: int  # 0: the request started the trace
    start_ns: int  # wall clock at the start, and the perf_counter() reading taken with it
    start_perf_s: float
    end_perf_s: float  # this and the timeline's times: perf_counter() readings
    timeline: StageTimeline
    protocol: str
    model: str
    version: str
    code: int
    rows: int
    error_type: str | None


def is_error(code: int) -> bool:
    """Our failure (5xx, or 429: we shed it), not the client's mistake."""
    return code >= 500 or code == 429
