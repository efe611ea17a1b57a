"""Registering through inferd.serving: framework detection, load check, default and given contracts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inferd.contract import Contract
from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.registry import Registry
from inferd.serving.loaded_model import load_model
from inferd.serving.registration import register_model
from tests.models import train_iris_skops, train_onnx_classifier


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    train_onnx_classifier(folder)
    train_iris_skops(folder)
    return folder


def test_an_unnamed_matrix_gets_fields_f0_to_fn_stacked_into_it(models: Path) -> None:
    with Registry.open() as registry:
        version = register_model(registry, "clf", models / "classifier.onnx")
        assert version.framework == "onnx"
        assert version.contract is not None
        assert version.contract.input_names == tuple(f"f{i}" for i in range(6))
        assert version.contract.stacks[0].into == "input"
        loaded = load_model(registry, "clf")
    outputs = loaded.predict({f"f{i}": np.zeros(2, np.float32) for i in range(6)})
    assert outputs["probabilities"].shape == (2, 2)


def test_named_features_become_the_contract_fields(models: Path) -> None:
    with Registry.open() as registry:
        version = register_model(registry, "iris", models / "iris.skops")
    assert version.contract is not None
    assert version.contract.input_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")


def test_a_contract_that_does_not_give_the_model_its_input_is_refused(models: Path) -> None:
    contract = Contract.from_dict({"inputs": [{"name": "age", "dtype": "float32"}]})
    with Registry.open() as registry, pytest.raises(InvalidInputError, match="'input'"):
        register_model(registry, "clf", models / "classifier.onnx", contract=contract)
    with Registry.open() as registry:
        assert registry.list_models() == []


def test_a_stack_of_the_wrong_width_is_refused(models: Path) -> None:
    contract = Contract.from_dict(
        {
            "inputs": [{"name": f"x{i}", "dtype": "float32"} for i in range(4)],
            "stacks": [{"into": "input", "fields": [f"x{i}" for i in range(4)]}],
        }
    )
    with Registry.open() as registry, pytest.raises(InvalidInputError, match=r"per-row shape \[4\].*\[6\]"):
        register_model(registry, "clf", models / "classifier.onnx", contract=contract)


def test_the_wrong_framework_is_refused_before_anything_is_stored(models: Path) -> None:
    with Registry.open() as registry:
        with pytest.raises(InvalidArtifactError, match=r"classifier\.onnx"):
            register_model(registry, "clf", models / "classifier.onnx", framework="sklearn")
        assert registry.list_models() == []
