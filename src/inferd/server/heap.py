"""Keep the garbage collector's pauses out of the tail latency of a serving process.

A full collection walks every tracked object; a server holds tens of thousands
that live as long as the process (modules, models, pandas once pyarrow imports it)
and a full pass over them measured 17-36 ms, which is what p99 showed. Once
the served models are loaded and warmed, :func:`settle_heap` moves everything
alive into the permanent generation (``gc.freeze``), so later collections only
walk what requests create.

It also lets the young generation grow to ``YOUNG_THRESHOLD`` objects before a
collection, instead of CPython's 700. Requests leave little that outlives them,
but the prediction log keeps each request's record until its writer takes it (up
to a second): with 700, 20,000 logged requests ran 89 collections that walked the
records still queued, 1.4-1.7 µs of collector time a request; with 10,000, 0.3 µs.
Refcounting frees everything acyclic anyway; only reference cycles wait longer,
and a young collection of 10,000 objects takes about a millisecond.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("inferd.server")

YOUNG_THRESHOLD = 10_000


def settle_heap(*, prediction_log: bool) -> None:
    """Warm what a first request would import, then freeze the heap as it is now."""
    if prediction_log:
        # pyarrow imports pandas on its first conversion: do it now, not under load.
        import numpy as np
        import pyarrow as pa

        pa.array(np.zeros(1))
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    log.info("heap settled: %d objects frozen out of the collector's way", gc.get_freeze_count())
