"""The raw limit: the reference model called in-process, with no server in the way.

Two callers of the same ONNX file, both with one intra-op and one inter-op thread:
onnxruntime's ``InferenceSession.run`` itself, and inferd's runtime wrapper
(``load_runtime(...).predict``), so the wrapper's own cost shows.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import onnxruntime

from inferd.runtimes import RuntimeOptions, load_runtime
from measurement import Measurement

BATCH_SIZES = (1, 32)


def measure_raw_limit(onnx_file: Path, row: np.ndarray, *, quick: bool) -> list[Measurement]:
    """One measurement per caller and batch size: calls/s, rows/s and the median call time."""
    session = _session(onnx_file)
    runtime = load_runtime(onnx_file, "onnx", options=RuntimeOptions(intra_op_threads=1, inter_op_threads=1))
    results = []
    for batch_size in BATCH_SIZES:
        x = np.ascontiguousarray(np.repeat(row, batch_size, axis=0))
        callers: dict[str, tuple[str, Callable[[], object]]] = {
            "raw-ort": ("raw onnxruntime", partial(session.run, None, {"input": x})),
            "raw-runtime": ("raw inferd runtime", partial(runtime.predict, {"input": x})),
        }
        seconds = _median_call_s({key: call for key, (_, call) in callers.items()}, batch_size, quick=quick)
        for key, (label, _) in callers.items():
            results.append(
                Measurement(
                    key=f"{key}-b{batch_size}",
                    label=f"{label}, batch {batch_size}",
                    requests_per_s=1 / seconds[key],
                    rows_per_s=batch_size / seconds[key],
                    p50_ms=seconds[key] * 1e3,
                    notes=("in-process, median of interleaved repeats",),
                )
            )
    return results


def _session(onnx_file: Path) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(onnx_file), sess_options=options, providers=["CPUExecutionProvider"]
    )


def _median_call_s(
    calls: dict[str, Callable[[], object]], batch_size: int, *, quick: bool
) -> dict[str, float]:
    """Per caller, the median over repeats of the mean time of one call in a loop of ``number`` calls.

    The callers take turns within each repeat, so noise from the shared machine hits them alike.
    """
    number = max(20, (500 if quick else 2000) // batch_size)
    repeats = 5 if quick else 11
    per_call: dict[str, list[float]] = {key: [] for key in calls}
    for repeat in range(repeats + 1):
        for key, call in calls.items():
            started = time.perf_counter()
            for _ in range(number):
                call()
            if repeat > 0:  # the first round warms up
                per_call[key].append((time.perf_counter() - started) / number)
    return {key: statistics.median(times) for key, times in per_call.items()}
