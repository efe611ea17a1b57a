"""OpenTelemetry traces of inference requests: one span per request, one per pipeline stage.

Off by default, and then free: no tracer exists and the request path pays one
``ContextVar.get`` per stage. When on, the pipeline notes each stage's start and
end on a :data:`STAGE_TIMELINE`; the request's span (:mod:`.request_tracer`)
turns them into child spans exported over OTLP/HTTP (:mod:`.otlp_exporter`), so
the serving code never talks to the tracer itself.
"""

from inferd.telemetry.tracing.settings import TracingSettings
from inferd.telemetry.tracing.timeline import STAGE_TIMELINE, StageTimeline

__all__ = ["STAGE_TIMELINE", "StageTimeline", "TracingSettings"]
