"""The tracing section of a server's settings."""

from __future__ import annotations

from dataclasses import dataclass

from inferd.errors import InvalidInputError


@dataclass(frozen=True)
class TracingSettings:
    """``enabled`` turns tracing on; spans go to ``otlp_endpoint`` (OTLP over HTTP, e.g.
    ``http://collector:4318/v1/traces``), or, when it is ``None``, wherever the standard
    ``OTEL_EXPORTER_OTLP_*`` variables say. ``sample_ratio`` is the share of requests
    traced when the caller did not decide (a ``traceparent`` with its sampled flag wins).
    """

    enabled: bool = False
    otlp_endpoint: str | None = None
    sample_ratio: float = 1.0
    service_name: str = "inferd"

    def __post_init__(self) -> None:
        if not 0.0 <= self.sample_ratio <= 1.0:
            raise InvalidInputError(f"trace sample ratio must be within [0, 1], got {self.sample_ratio}")
