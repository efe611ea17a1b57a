"""``--cpu-affinity``: each worker's Python threads share one CPU, as nginx's ``worker_cpu_affinity auto``.

A worker's event loop and its model threads take turns holding the GIL: a batch goes
to a model thread, the model thread needs the GIL back when the model returns, the
loop needs it to answer. When the two run on different CPUs, every hand-over wakes
the other CPU (on a virtual machine, an idle vCPU the hypervisor has to bring back)
and moves the data between their caches. Measured on a 2-vCPU machine at 64
connections, the same onnxruntime call took two to three times as long in the server
as alone, and pinning the loop and the model thread to one CPU gave +10% throughput
and a 20% lower p99 (`benchmarks/serving/run.py`, README).

The cost is parallelism: while a model computes (without the GIL) the loop waits for
the same CPU instead of parsing the next requests on another, so a model whose calls
take much longer than the request handling around them gets slower. Off by default.

Each worker claims one CPU of those it may run on (``os.sched_getaffinity``) by
creating a file named after it in a folder the workers share (the supervisor makes
it); with more workers than CPUs, the rest wrap around. The worker pins its event loop
thread once its models are loaded, and the threads that thread starts afterwards inherit
it (the model threads, started with the first batch). Threads started before keep every
CPU: granian's I/O threads, gRPC's, and the telemetry writers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("inferd.server")

CLAIMS_ENV = "INFERD_CPU_CLAIMS"


def claim_cpu(claims: Path | None, allowed: set[int] | None = None) -> int | None:
    """The CPU this worker should run on, or None when there is nothing to choose (one CPU).

    ``claims`` is the folder the workers share: the first CPU without a claim file there is
    this worker's. Without a folder, or when every CPU is claimed, the choice goes by pid.
    """
    cpus = sorted(allowed if allowed is not None else os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    if claims is not None:
        for cpu in cpus:
            try:
                os.close(os.open(claims / f"cpu-{cpu}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            return cpu
    return cpus[os.getpid() % len(cpus)]


def pin_this_thread() -> int | None:
    """Pin the calling thread (and the threads it starts from now on) to this worker's CPU."""
    if not hasattr(os, "sched_setaffinity"):  # Linux only (not macOS, not Windows)
        log.warning("cpu affinity: this platform cannot pin threads to a CPU; --cpu-affinity is ignored")
        return None
    folder = os.environ.get(CLAIMS_ENV)
    cpu = claim_cpu(Path(folder) if folder else None)
    if cpu is None:
        log.info("cpu affinity: this worker may run on one CPU only; nothing to pin")
        return None
    os.sched_setaffinity(0, {cpu})
    log.info("cpu affinity: this worker's event loop and model threads run on CPU %d", cpu)
    return cpu
