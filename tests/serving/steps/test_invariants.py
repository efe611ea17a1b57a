"""Properties every built-in step keeps: inputs are never written to, rows are kept, empty batches pass."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.serving.steps import build_steps
from inferd.tensors import Batch, batch_rows

PIPELINE: list[dict[str, Any]] = [
    {"step": "fill_defaults", "values": {"x": 0.0, "city": "Paris"}},
    {"step": "clip", "fields": ["x", "y"], "min": -100, "max": 100},
    {"step": "standardize", "fields": ["x", "y"], "mean": [1.0, -2.0], "std": [3.0, 0.5]},
    {"step": "scale", "field": "m", "min": [0, -1], "max": [1, 1]},
    {
        "step": "one_hot",
        "field": "city",
        "categories": ["Paris", "Lyon"],
        "on_unknown": "ignore",
        "drop_original": False,
    },
    {"step": "ordinal", "field": "city", "categories": ["Paris", "Lyon"], "on_unknown": "value"},
    {"step": "derive", "name": "z", "expr": "where(x > 0, log1p(abs(y)), -x) * 2"},
    {"step": "cast", "field": "z", "dtype": "float32"},
    {"step": "calibrate", "output": "m", "column": 0, "x": [-1, 0, 1], "y": [0, 0.2, 1]},
    {
        "step": "threshold",
        "output": "m",
        "column": 1,
        "threshold": 0.5,
        "labels": ["no", "yes"],
        "name": "decision",
    },
    {"step": "top_k", "output": "m", "k": 1, "labels": ["first", "second"]},
    {"step": "round", "outputs": ["x", "y"], "decimals": 3},
    {"step": "rename", "mapping": {"z": "score"}},
    {"step": "drop", "field": "y"},
    {"step": "select", "fields": ["x", "score", "decision", "city", "city_Lyon", "top_k_labels"]},
]
FLOATS = st.floats(-1e6, 1e6, width=32) | st.just(float("nan"))


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    rows = draw(st.integers(0, 12))
    return {
        "x": draw(hnp.arrays(np.float32, rows, elements=FLOATS)),
        "y": draw(hnp.arrays(np.float64, rows, elements=st.floats(-1e6, 1e6))),
        "m": draw(hnp.arrays(np.float64, (rows, 2), elements=st.floats(-2, 2))),
        "city": np.array(
            draw(st.lists(st.sampled_from(["Paris", "Lyon", "Rome", None]), min_size=rows, max_size=rows)),
            dtype=object,
        ),
    }


@settings(max_examples=60, deadline=None)
@given(batch=batches())
def test_steps_never_write_into_their_inputs_and_keep_every_row(batch: Batch) -> None:
    originals = {name: values.copy() for name, values in batch.items()}
    steps = build_steps(PIPELINE)
    out = steps(batch)
    for name, values in batch.items():
        np.testing.assert_array_equal(values, originals[name])
        assert values.dtype == originals[name].dtype
    assert batch_rows(out) == len(batch["x"])


@settings(max_examples=60, deadline=None)
@given(batch=batches())
def test_each_step_returns_a_new_dict(batch: Batch) -> None:
    for step in build_steps(PIPELINE):
        names = list(batch)
        out = step(batch)
        assert out is not batch
        assert list(batch) == names
        batch = out
