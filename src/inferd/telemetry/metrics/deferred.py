"""Values recorded on the request path now and added to prometheus_client later, in bulk.

prometheus_client takes a lock for every value it changes: a histogram's
``observe`` costs about a microsecond (two locked increments, a bucket search in
Python), and a request records several. Here the request path only appends to a
deque, which is atomic under the GIL from any thread and costs tens of
nanoseconds; :meth:`Deferred.publish` adds what is pending to the real series
(one numpy pass a histogram, one increment a bucket). The server publishes before
every ``/metrics`` page it renders and once a second besides (what other worker
processes render in multi-process mode is at most that old), and a queue that
reaches ``PUBLISH_AT`` values publishes on the spot, so memory stays bounded even
when nothing publishes.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

PUBLISH_AT = 65_536
_Member = TypeVar("_Member", bound="Publishable")


class Publishable(Protocol):
    def publish(self) -> None: ...


def drain(pending: deque[Any]) -> list[Any]:
    """What ``pending`` held when called, oldest first; safe against appends from other threads."""
    popleft = pending.popleft
    return [popleft() for _ in range(len(pending))]


def observe_many(child: Any, values: npt.NDArray[np.float64]) -> None:
    """``child.observe(v)`` for each finite value: each bucket and the sum incremented once.

    Reads prometheus_client's histogram internals (``_buckets``, ``_upper_bounds``,
    ``_sum``, the fields ``observe`` itself uses); should they change, it falls back to
    ``observe`` value by value.
    """
    values = values[np.isfinite(values)]
    if not len(values):
        return
    buckets = getattr(child, "_buckets", None)
    upper_bounds = getattr(child, "_upper_bounds", None)
    total = getattr(child, "_sum", None)
    if buckets is None or upper_bounds is None or total is None:
        for value in values.tolist():
            child.observe(value)
        return
    # observe() puts a value in the first bucket whose upper bound is >= the value.
    counts = np.bincount(np.searchsorted(upper_bounds, values, side="left"), minlength=len(buckets))
    for index in np.flatnonzero(counts).tolist():
        buckets[index].inc(int(counts[index]))
    total.inc(float(values.sum(dtype=np.float64)))


class _Pending:
    """Values appended by any thread, taken whole by :meth:`_take`; the child they are for."""

    __slots__ = ("_child", "_lock", "_pending")

    def __init__(self, child: Any) -> None:
        self._child = child
        self._pending: deque[float] = deque()
        self._lock = threading.Lock()

    def publish(self) -> None:
        raise NotImplementedError

    def _take(self) -> list[float]:
        with self._lock:  # two publishers would each drain part of the queue and race on the count
            return drain(self._pending)


class DeferredHistogram(_Pending):
    """A histogram child whose ``observe`` is an append."""

    __slots__ = ()

    def observe(self, value: float) -> None:
        pending = self._pending
        pending.append(value)
        if len(pending) >= PUBLISH_AT:  # inline, not a method call: this is the request path
            self.publish()

    def publish(self) -> None:
        values = self._take()
        if values:
            observe_many(self._child, np.asarray(values, dtype=np.float64))


class DeferredRequests(_Pending):
    """A request counter child and its duration histogram's child fed by one append a request.

    A request is counted and timed together, so one queue of durations serves both: its
    length is the count. Several of these (one a status code) may share a histogram child.
    """

    __slots__ = ("_histogram",)

    def __init__(self, counter: Any, histogram: Any) -> None:
        super().__init__(counter)
        self._histogram = histogram

    def observe(self, seconds: float) -> None:
        pending = self._pending
        pending.append(seconds)
        if len(pending) >= PUBLISH_AT:
            self.publish()

    def publish(self) -> None:
        durations = self._take()
        if durations:
            self._child.inc(len(durations))
            observe_many(self._histogram, np.asarray(durations, dtype=np.float64))


class Deferred:
    """Everything of one process that publishes later; :meth:`publish` adds it all to the real series."""

    def __init__(self) -> None:
        self._members: list[Publishable] = []
        self._lock = threading.Lock()

    def histogram(self, child: Any) -> DeferredHistogram:
        return self.add(DeferredHistogram(child))

    def requests(self, counter: Any, histogram: Any) -> DeferredRequests:
        return self.add(DeferredRequests(counter, histogram))

    def add(self, member: _Member) -> _Member:
        with self._lock:
            self._members.append(member)
        return member

    def remove(self, members: list[Publishable]) -> None:
        """Publish ``members`` one last time and forget them (a retired version's)."""
        for member in members:
            member.publish()
        with self._lock:
            self._members = [m for m in self._members if all(m is not gone for gone in members)]

    def publish(self) -> None:
        with self._lock:
            members = list(self._members)
        for member in members:
            member.publish()
