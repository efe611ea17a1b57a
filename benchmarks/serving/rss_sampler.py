"""RssSampler: samples a server's resident memory on a timer while a load runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self


class RssSampler:
    """``with RssSampler(group.rss_bytes, 0.5) as rss: ...`` samples until the block ends.

    The thread is started by ``__enter__`` and joined by ``__exit__``; ``samples``
    holds (seconds since start, bytes) pairs, one taken at each end as well.
    """

    def __init__(self, read_bytes: Callable[[], int], interval_s: float) -> None:
        self._read_bytes = read_bytes
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._started = 0.0
        self.samples: list[tuple[float, int]] = []

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def max_mb(self) -> float:
        return max(b for _, b in self.samples) / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self._sample()

    def _sample(self) -> None:
        self.samples.append((time.monotonic() - self._started, self._read_bytes()))
