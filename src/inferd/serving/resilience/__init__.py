"""Keeping the server up while its dependencies fail: timeouts, retries, circuit breakers.

- :func:`call_with_timeout` (and :func:`call_in_thread_with_timeout` for
  synchronous code) bound every external call; a late answer is a 503.
- :func:`retry_async` retries idempotent reads with full-jitter exponential
  backoff, bounded in attempts and by the request's deadline.
- :class:`CircuitBreaker` (one per dependency) stops calling a dependency that
  keeps failing and probes it until it recovers.

Typical use around a read: ``breaker.guard()``, then ``retry_async`` over
``call_with_timeout``, then ``breaker.record_success()`` or ``record_failure()``.
"""

from inferd.serving.resilience.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpenError
from inferd.serving.resilience.retry import backoff_delay_s, retry_async
from inferd.serving.resilience.timeout import (
    DependencyTimeoutError,
    call_in_thread_with_timeout,
    call_with_timeout,
)

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "DependencyTimeoutError",
    "backoff_delay_s",
    "call_in_thread_with_timeout",
    "call_with_timeout",
    "retry_async",
]
