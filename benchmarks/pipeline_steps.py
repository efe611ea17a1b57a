"""What ten built-in pipeline steps add to the reference model's time, at batch 32 and 256.

Run: python benchmarks/pipeline_steps.py [--runs 15] [--calls 2000] [--rows 32 256] [--per-step]
The reference model (GradientBoostingClassifier(n_estimators=100, max_depth=4)
on 30 float32 features, ONNX with zipmap off) is trained into a temporary folder
and run by onnxruntime with one intra-op thread as a bare ``InferenceSession.run``:
the baseline. The deployment is a typical one: a contract of the named fields
f0..f29 (f0 and f1 nullable), seven preprocessing steps on them, the fields
stacked into the model's ``input`` (f11 under its new name), and three
postprocessing steps on the model's outputs.

What the steps add is measured the way the pipeline runs them: the model's
inputs from checked fields with the steps (``InputPlan``, compiled by numba)
minus the same without steps (the plain stack every deployment with
``model_inputs`` pays), plus the postprocessing (``OutputPlan``, compiled).
The same on numpy (fused, and one step at a time) is printed beside it as the
approach before. Each figure is the median over ``--runs`` interleaved
runs of the mean time of ``--calls`` calls; the added share is the median of
the per-run ratios. Target: at most 10% of the bare model's time at batch 32.
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

from inferd.contract import Contract, Stack
from inferd.demo.training import N_FEATURES, reference_dataset, train_tabular_gbm
from inferd.runtimes import RuntimeOptions, load_runtime
from inferd.serving.steps import InputPlan, OutputPlan, StepSequence, build_steps
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
FIELDS = [f"f{i}" for i in range(N_FEATURES)]
CONTRACT = Contract.from_dict(
    {"inputs": [{"name": name, "dtype": "float32", "nullable": name in ("f0", "f1")} for name in FIELDS]}
)
PLAIN_STACK = Stack("input", tuple(FIELDS))
RENAMED_STACK = Stack("input", tuple("f11_raw" if name == "f11" else name for name in FIELDS))

MODEL = "model (InferenceSession.run)"
RUNTIME = "model (inferd runtime.predict)"
PLAIN = "inputs, no steps (check + stack)"
FUSED = "inputs, 7 steps compiled (check + plan)"
NUMPY = "inputs, 7 steps fused on numpy (before)"
STEPWISE = "inputs, 7 steps one by one (before that)"
POST = "3 postprocess steps compiled"
POST_NUMPY = "3 postprocess steps on numpy (before)"
ADDED = "added by the 10 steps"


def per_call_s(function: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


def timers(folder: Path, rows: int, per_step: bool) -> dict[str, Callable[[], object]]:
    import onnxruntime as ort

    model = train_tabular_gbm(folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
    runtime = load_runtime(model.path, "onnx", options=RuntimeOptions(intra_op_threads=1))
    x, _ = reference_dataset()
    matrix = np.ascontiguousarray(x[:rows])
    fields: Batch = {name: matrix[:, i].copy() for i, name in enumerate(FIELDS)}
    outputs = runtime.predict({"input": matrix})
    pre, post = build_steps(PREPROCESS), build_steps(POSTPROCESS)
    plain = InputPlan(StepSequence(), [PLAIN_STACK], CONTRACT.inputs)
    fused = InputPlan(pre, [RENAMED_STACK], CONTRACT.inputs, compiled=True)
    on_numpy = InputPlan(pre, [RENAMED_STACK], CONTRACT.inputs, compiled=False)
    compiled_post = OutputPlan(post, compiled=True)
    if len(pre) + len(post) != 10 or not fused.is_compiled or not on_numpy.is_fused:
        raise SystemExit(f"the benchmark must run ten steps, the first seven compiled: {fused!r}")
    if not compiled_post.is_compiled_for(outputs["probabilities"]):
        raise SystemExit(f"the postprocessing must run compiled: {compiled_post.uncompiled_because}")
    found = {
        MODEL: lambda: session.run(None, {"input": matrix}),
        RUNTIME: lambda: runtime.predict({"input": matrix}),
        PLAIN: lambda: plain(CONTRACT.check(fields)),
        FUSED: lambda: fused(CONTRACT.check(fields)),
        NUMPY: lambda: on_numpy(CONTRACT.check(fields)),
        STEPWISE: lambda: fused.step_by_step(CONTRACT.check(fields)),
        POST: lambda: compiled_post(outputs),
        POST_NUMPY: lambda: post(outputs),
    }
    if per_step:
        found.update(one_step_timers(pre, CONTRACT.check(fields)))
        found.update(one_step_timers(post, outputs))
    return found


def one_step_timers(steps: StepSequence, batch: Batch) -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {}
    for step in steps:
        found[f"  one by one: {step.name}"] = lambda step=step, batch=batch: step(batch)
        batch = step(batch)
    return found


def measure(folder: Path, rows: int, runs: int, calls: int, per_step: bool) -> dict[str, list[float]]:
    timed = timers(folder, rows, per_step)
    for function in timed.values():
        per_call_s(function, calls // 10)  # warm up
    samples: dict[str, list[float]] = {label: [] for label in timed}
    for _ in range(runs):
        for label, function in timed.items():
            samples[label].append(per_call_s(function, calls))
    samples[ADDED] = [
        fused - plain + post
        for fused, plain, post in zip(samples[FUSED], samples[PLAIN], samples[POST], strict=True)
    ]
    return samples


def report(samples: dict[str, list[float]], rows: int, runs: int, calls: int) -> None:
    median_us = {label: statistics.median(values) * 1e6 for label, values in samples.items()}
    model_us = median_us[MODEL]
    print(f"\nbatch {rows}, median of {runs} interleaved runs of {calls} calls; microseconds per call")
    for label, us in median_us.items():
        print(f"{label:40} {us:9.1f} us {100 * us / model_us:7.1f}% of the bare model")
    share = statistics.median(a / m for a, m in zip(samples[ADDED], samples[MODEL], strict=True))

    def share_with(inputs: str) -> float:
        pairs = zip(samples[inputs], samples[PLAIN], samples[POST_NUMPY], strict=True)
        added = [s - p + q for s, p, q in pairs]
        return statistics.median(a / m for a, m in zip(added, samples[MODEL], strict=True))

    print(
        f"added share at batch {rows} (median of per-run ratios to InferenceSession.run): "
        f"{100 * share:.1f}% compiled, {100 * share_with(NUMPY):.1f}% fused on numpy, "
        f"{100 * share_with(STEPWISE):.1f}% one step at a time on numpy (target: at most 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rows", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--per-step", action="store_true", help="also time each step run one by one")
    args = parser.parse_args()
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as folder:
            samples = measure(Path(folder), rows, args.runs, args.calls, args.per_step)
        report(samples, rows, args.runs, args.calls)


if __name__ == "__main__":
    main()
