"""Where the pipeline notes its stages for the request's trace, without knowing about OpenTelemetry."""

from __future__ import annotations

from contextvars import ContextVar

#: ``(stage, started, ended)`` with ``time.perf_counter()`` times.
StageTimeline = list[tuple[str, float, float]]

#: Set by the edge for a traced request (each request runs in its own task, so its own context).
STAGE_TIMELINE: ContextVar[StageTimeline | None] = ContextVar("inferd_stage_timeline", default=None)
