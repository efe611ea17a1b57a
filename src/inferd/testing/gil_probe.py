"""How long a busy thread waits for the GIL while some work runs: :func:`gil_waits`.

Background work (the prediction log's writer, an exporter) shares the GIL with the
event loop; what the loop feels is how long it waits to get the GIL back. The probe
is a thread that spins in slices of 200 µs of Python and, after each, notes its wait:
its wall time less its CPU time and its time queued for a CPU (Linux's per-thread
``schedstat``), so that a loaded machine delaying the probe does not count.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

SCHEDSTAT = Path("/proc/thread-self/schedstat")
SLICE_S = 200e-6


def is_supported() -> bool:
    """Whether this system has the per-thread scheduler statistics the probe reads."""
    return SCHEDSTAT.exists()


@contextlib.contextmanager
def gil_waits() -> Iterator[list[float]]:
    """The probe's waits (seconds) while the block runs; read the list after the block.

    The collector is off inside the block: a full collection stalls every thread, and
    it is the process's doing, not the work's.
    """
    waits_s: list[float] = []
    stop = threading.Event()
    probe = threading.Thread(target=_spin, args=(stop, waits_s), name="inferd-gil-probe")
    probe.start()
    time.sleep(0.02)  # the probe is spinning before the work starts
    gc.disable()
    try:
        yield waits_s
    finally:
        gc.enable()
        stop.set()
        probe.join()


def _spin(stop: threading.Event, waits_s: list[float]) -> None:
    last = _thread_times()
    while not stop.is_set():
        until = time.perf_counter() + SLICE_S
        while time.perf_counter() < until:
            pass
        now = _thread_times()
        wall_s, cpu_s, queued_s = (b - a for a, b in zip(last, now, strict=True))
        waits_s.append(wall_s - cpu_s - queued_s)
        last = now


def _thread_times() -> tuple[float, float, float]:
    """Now, this thread's CPU time and its time waiting for a CPU, in seconds."""
    cpu_ns, queued_ns, _ = SCHEDSTAT.read_text().split()
    return time.perf_counter(), int(cpu_ns) / 1e9, int(queued_ns) / 1e9
