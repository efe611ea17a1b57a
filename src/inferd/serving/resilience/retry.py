"""Retry with full-jitter exponential backoff, for idempotent reads only.

Retrying a write can apply it twice, so only wrap calls that may safely run
more than once (a feature lookup, a cache read). The number of attempts is
bounded, each pause is bounded by ``max_delay_s``, and no pause runs past the
caller's deadline: when the next pause would end after it, the last error is
raised at once instead.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from inferd.errors import DeadlineExceededError, InferdError

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[object]]


def backoff_delay_s(
    retry: int, *, base_delay_s: float, max_delay_s: float, jitter: float, rng: random.Random
) -> float:
    """The pause before retry number ``retry`` (1 for the first retry).

    The ceiling is ``base_delay_s * 2 ** (retry - 1)``, capped at ``max_delay_s``;
    the pause is drawn uniformly from ``[ceiling * (1 - jitter), ceiling]``, so
    ``jitter=1`` is "full jitter" and ``jitter=0`` no jitter at all.
    """
    ceiling = min(max_delay_s, base_delay_s * 2.0 ** min(retry - 1, 62))
    return ceiling * (1.0 - jitter * rng.random())


async def retry_async(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int = 3,
    base_delay_s: float = 0.01,
    max_delay_s: float = 0.2,
    jitter: float = 1.0,
    retry_on: tuple[type[BaseException], ...],
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Await ``fn()`` up to ``attempts`` times while it raises one of ``retry_on``.

    Only for idempotent calls (see the module docstring). ``deadline`` is a
    ``clock()`` value (``time.monotonic()`` by default): when it has passed
    before the first attempt, raises :class:`DeadlineExceededError`; otherwise
    the last error is re-raised when the attempts run out or the next pause
    would end past the deadline. Exceptions outside ``retry_on`` propagate at once.
    """
    _check(attempts, base_delay_s, max_delay_s, jitter)
    if deadline is not None and clock() >= deadline:
        raise DeadlineExceededError(f"the deadline passed before calling {_name(fn)}")
    draw = rng if rng is not None else random.Random()
    for attempt in range(1, attempts + 1):
        try:
            return await fn()
        except retry_on:
            if attempt == attempts:
                raise
            delay_s = backoff_delay_s(
                attempt, base_delay_s=base_delay_s, max_delay_s=max_delay_s, jitter=jitter, rng=draw
            )
            if deadline is not None and clock() + delay_s >= deadline:
                raise
        await sleep(delay_s)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _check(attempts: int, base_delay_s: float, max_delay_s: float, jitter: float) -> None:
    if attempts < 1:
        raise InferdError(f"retry_async: attempts must be at least 1, got {attempts}")
    if base_delay_s < 0 or max_delay_s < base_delay_s:
        raise InferdError(
            f"retry_async: need 0 <= base_delay_s <= max_delay_s, got {base_delay_s} and {max_delay_s}"
        )
    if not 0.0 <= jitter <= 1.0:
        raise InferdError(f"retry_async: jitter must be in [0, 1], got {jitter}")


def _name(fn: object) -> str:
    return str(getattr(fn, "__qualname__", None) or type(fn).__name__)
