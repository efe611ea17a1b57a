"""The metrics section of a server's settings."""

from __future__ import annotations

from dataclasses import dataclass

from inferd.errors import InvalidInputError


@dataclass(frozen=True)
class MetricsSettings:
    """``enabled`` serves ``/metrics``; ``price_per_replica_hour`` (dollars) turns on the cost gauge.

    The cost of one inference is the price of a replica-hour divided by the
    inferences the replica served per hour, measured over the last
    ``throughput_window_s`` seconds.
    """

    enabled: bool = True
    price_per_replica_hour: float | None = None
    throughput_window_s: float = 60.0

    def __post_init__(self) -> None:
        price = self.price_per_replica_hour
        if price is not None and not price >= 0:
            raise InvalidInputError(f"price per replica-hour must be 0 or more dollars, got {price}")
        if not self.throughput_window_s > 0:
            raise InvalidInputError(f"throughput window must be positive, got {self.throughput_window_s} s")
