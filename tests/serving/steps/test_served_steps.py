"""Deployment steps through the serving pipeline: a served version fuses its preprocessing, same answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inferd.batching import BatchingSettings
from inferd.config import FeatureStoreSettings
from inferd.contract import Contract, Stack
from inferd.contract.stacking import stack_inputs
from inferd.errors import InvalidInputError
from inferd.registry import Registry
from inferd.serving.dependencies import Dependencies
from inferd.serving.deployment import Deployment
from inferd.serving.loaded_model import LoadedModel, load_model
from inferd.serving.one_shot import predict_in_process
from inferd.serving.registration import register_model
from inferd.serving.steps import InputPlan, build_steps, matrix_kernel
from tests.models import train_onnx_classifier

FIELDS = [f"f{i}" for i in range(6)]
# Registration wants the contract itself to provide the model's input, so it stacks the raw fields too;
# with model_inputs in the deployment, serving stacks the preprocessed fields instead.
CONTRACT = Contract.from_dict(
    {
        "inputs": [{"name": name, "dtype": "float32", "nullable": name == "f0"} for name in FIELDS],
        "stacks": [{"into": "input", "fields": FIELDS}],
    }
)
PREPROCESS: list[dict[str, Any]] = [
    {"step": "fill_defaults", "values": {"f0": 0.25}},
    {"step": "clip", "field": "f1", "min": -1, "max": 1},
    {"step": "standardize", "fields": ["f2", "f3"], "mean": [0.1, -0.2], "std": [1.5, 2.0]},
    {"step": "derive", "name": "f4", "expr": "f4 * 0.5 + f5"},
    {"step": "rename", "mapping": {"f5": "last"}},
]
POSTPROCESS: list[dict[str, Any]] = [
    {"step": "threshold", "output": "probabilities", "column": 1, "labels": ["no", "yes"], "name": "decision"}
]
STACK = Stack("input", ("f0", "f1", "f2", "f3", "f4", "last"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    model_file = train_onnx_classifier(tmp_path_factory.mktemp("served-steps"))
    deployment = Deployment.from_dict(
        {"preprocess": PREPROCESS, "model_inputs": [STACK.to_dict()], "postprocess": POSTPROCESS}
    )
    with Registry.open() as registry:
        register_model(registry, "scored", model_file, contract=CONTRACT, deployment=deployment)
        return load_model(registry, "scored")


def test_a_served_version_answers_as_its_steps_run_one_by_one(served: LoadedModel) -> None:
    assert InputPlan(build_steps(PREPROCESS), [STACK], CONTRACT.inputs).is_fused
    rng = np.random.default_rng(5)
    batch = {name: rng.normal(size=40).astype(np.float32) for name in FIELDS}
    batch["f0"][::3] = np.nan
    inputs = stack_inputs([STACK], build_steps(PREPROCESS)(CONTRACT.check(batch)))
    expected = build_steps(POSTPROCESS)(served.runtime.predict(inputs))
    outputs = predict_in_process(served, batch).outputs
    assert list(outputs) == list(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(outputs[name], values, err_msg=name)


def test_a_served_version_still_refuses_what_its_contract_refuses(served: LoadedModel) -> None:
    batch = {name: np.zeros(2, dtype=np.float32) for name in FIELDS}
    batch["f3"][1] = np.nan
    with pytest.raises(InvalidInputError, match="f3"):
        predict_in_process(served, batch)


def test_how_a_served_versions_steps_run_is_said_for_the_load_log(served: LoadedModel) -> None:
    handle = Dependencies(FeatureStoreSettings()).handle_for(served, BatchingSettings(enabled=False))
    summary = handle.steps_summary
    assert summary.startswith("preprocessing fused, compiled; postprocessing compiled: the first 1 score")
    assert "pip install" not in summary


def test_without_numba_the_load_log_says_how_to_compile_the_steps(
    served: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matrix_kernel, "is_available", lambda: False)
    handle = Dependencies(FeatureStoreSettings()).handle_for(served, BatchingSettings(enabled=False))
    summary = handle.steps_summary
    assert "preprocessing fused on numpy: compiling is off (or numba is missing)" in summary
    assert summary.endswith('pip install "inferd[jit]" compiles them')
