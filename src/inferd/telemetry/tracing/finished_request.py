"""A traced request as the request path leaves it: one tuple, expanded into spans by the exporter.

Recording a span object per stage on the request path costs microseconds each;
a request's spans are instead kept as one flat record (its ids, its clock
readings, its stage timeline and outcome), and the exporter's thread turns it
into the request's span and one child span per stage when it encodes them.
"""

from __future__ import annotations

from typing import NamedTuple

from inferd.telemetry.tracing.timeline import StageTimeline


class FinishedRequest(NamedTuple):
    trace_id: int
    span_id: int
    parent_span_id: int  # 0: the request started the trace
    start_ns: int  # wall clock at the start, and the perf_counter() reading taken with it
    start_perf_s: float
    end_perf_s: float
    timeline: StageTimeline
    protocol: str
    model: str
    version: str
    code: int
    rows: int
    error_type: str | None

    def ns(self, perf_s: float) -> int:
        """A perf_counter() reading of this request as wall-clock nanoseconds."""
        return self.start_ns + int((perf_s - self.start_perf_s) * 1e9)

    @property
    def is_error(self) -> bool:
        """Our failure (5xx, or 429: we shed it), not the client's mistake."""
        return self.code >= 500 or self.code == 429
