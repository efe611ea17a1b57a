"""What ten built-in pipeline steps add to the reference model's time at batch 32.

Run: python benchmarks/pipeline_steps.py [--runs 15] [--calls 2000] [--rows 32]
The reference model (GradientBoostingClassifier(n_estimators=100, max_depth=4)
on 30 float32 features, ONNX with zipmap off) is trained into a temporary folder
and run by onnxruntime with one intra-op thread: once as a bare
``InferenceSession.run`` (the baseline) and once through inferd's runtime. The
steps are a typical deployment: seven preprocessing steps on the named fields
f0..f29 and three postprocessing steps on the model's outputs. Each figure is
the median over ``--runs`` interleaved runs of the mean time of ``--calls``
calls. Target: the steps add at most 10% of the bare model's time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from inferd.demo.training import N_FEATURES, reference_dataset, train_tabular_gbm
from inferd.runtimes import RuntimeOptions, load_runtime
from inferd.serving.steps import StepSequence, build_steps
from inferd.tensors import Batch

PREPROCESS: list[dict[str, Any]] = [
    {"step": "fill_defaults", "values": {"f0": 0.0, "f1": 0.0}},
    {"step": "clip", "fields": ["f2", "f3"], "min": -3.0, "max": 3.0},
    {"step": "standardize", "fields": ["f4", "f5"], "mean": [0.1, -0.2], "std": [1.5, 2.0]},
    {"step": "scale", "field": "f6", "min": -5.0, "max": 5.0},
    {"step": "derive", "name": "f7", "expr": "f7 * 0.5 + f8"},
    {"step": "cast", "fields": ["f9", "f10"], "dtype": "float32"},
    {"step": "rename", "mapping": {"f11": "f11_raw"}},
]
POSTPROCESS: list[dict[str, Any]] = [
    {"step": "calibrate", "output": "probabilities", "column": 1, "x": [0, 0.5, 1], "y": [0, 0.4, 1]},
    {
        "step": "threshold",
        "output": "probabilities",
        "column": 1,
        "labels": ["no", "yes"],
        "name": "decision",
    },
    {"step": "round", "output": "probabilities", "decimals": 4},
]


def per_call_s(function: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


def measure(folder: Path, rows: int, runs: int, calls: int) -> dict[str, list[float]]:
    import onnxruntime as ort

    model = train_tabular_gbm(folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
    runtime = load_runtime(model.path, "onnx", options=RuntimeOptions(intra_op_threads=1))
    x, _ = reference_dataset()
    matrix = np.ascontiguousarray(x[:rows])
    fields: Batch = {f"f{i}": matrix[:, i].copy() for i in range(N_FEATURES)}
    outputs = runtime.predict({"input": matrix})
    pre, post = build_steps(PREPROCESS), build_steps(POSTPROCESS)
    if len(pre) + len(post) != 10:
        raise SystemExit("the benchmark must run ten steps")
    timed: dict[str, Callable[[], object]] = {
        "model (InferenceSession.run)": lambda: session.run(None, {"input": matrix}),
        "model (inferd runtime.predict)": lambda: runtime.predict({"input": matrix}),
        "10 steps (7 pre + 3 post)": lambda: (pre(fields), post(outputs)),
        "empty StepSequence": lambda: StepSequence()(fields),
    }
    timed.update(one_step_timers(pre, fields))
    timed.update(one_step_timers(post, outputs))
    for function in timed.values():
        per_call_s(function, calls // 10)  # warm up
    samples: dict[str, list[float]] = {label: [] for label in timed}
    for _ in range(runs):
        for label, function in timed.items():
            samples[label].append(per_call_s(function, calls))
    return samples


def one_step_timers(steps: StepSequence, batch: Batch) -> dict[str, Callable[[], object]]:
    timers: dict[str, Callable[[], object]] = {}
    for step in steps:
        timers[f"  {step.name}"] = lambda step=step, batch=batch: step(batch)
        batch = step(batch)
    return timers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        samples = measure(Path(folder), args.rows, args.runs, args.calls)
    median_us = {label: statistics.median(values) * 1e6 for label, values in samples.items()}
    model_us = median_us["model (InferenceSession.run)"]
    print(
        f"batch {args.rows}, median of {args.runs} runs of {args.calls} calls; time in microseconds per call"
    )
    for label, us in median_us.items():
        print(f"{label:34} {us:9.1f} us {100 * us / model_us:7.1f}% of the bare model")
    steps_us = median_us["10 steps (7 pre + 3 post)"]
    runtime_us = median_us["model (inferd runtime.predict)"]
    print(
        f"ratio steps/model: {steps_us / model_us:.3f} of InferenceSession.run, "
        f"{steps_us / runtime_us:.3f} of runtime.predict (target: at most 0.10)"
    )


if __name__ == "__main__":
    main()
