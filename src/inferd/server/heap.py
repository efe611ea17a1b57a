"""Keep the garbage collector's pauses out of the tail latency of a serving process.

A full collection walks every tracked object; a server holds tens of thousands
that live as long as the process (modules, models, pandas once pyarrow imports it)
and a full pass over them measured 17-36 ms, which is what p99 showed. Once
the served models are loaded and warmed, :func:`settle_heap` moves everything
alive into the permanent generation (``gc.freeze``), so later collections only
walk what requests create.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("inferd.server")


def settle_heap(*, prediction_log: bool) -> None:
    """Warm what a first request would import, then freeze the heap as it is now."""
    if prediction_log:
        # pyarrow imports pandas on its first conversion: do it now, not under load.
        import numpy as np
        import pyarrow as pa

        pa.array(np.zeros(1))
    gc.collect()
    gc.freeze()
    log.info("heap settled: %d objects frozen out of the collector's way", gc.get_freeze_count())
