"""OpenTelemetry traces of inference requests: one span per request, one per pipeline stage.

Off by default, and then free: nothing of OpenTelemetry is imported and the
request path pays one ``ContextVar.get`` per stage. When on, the pipeline notes
each stage's start and end on a :data:`STAGE_TIMELINE` that the request's
:class:`RequestSpan` turns into child spans when the request ends, so the
serving code never talks to OpenTelemetry itself. This top level imports no
OpenTelemetry: the tracer lives in :mod:`.request_tracer`.
"""

from inferd.telemetry.tracing.settings import TracingSettings
from inferd.telemetry.tracing.timeline import STAGE_TIMELINE, StageTimeline

__all__ = ["STAGE_TIMELINE", "StageTimeline", "TracingSettings"]
