"""check_runtime catches each broken promise of the Runtime interface, with a message that says which."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from inferd.errors import InvalidInputError
from inferd.runtimes import Runtime, sample_batch
from inferd.tensors import Batch, Signature, TensorSpec
from inferd.testing import check_runtime, random_batch

SIGNATURE = Signature(
    (TensorSpec("a", "float32", (-1, 2)), TensorSpec("b", "int64", (-1,))),
    (TensorSpec("score", "float64", (-1,)), TensorSpec("label", "object", (-1,))),
)


def _honest(batch: Batch) -> Batch:
    score = batch["a"].astype(np.float64).sum(axis=1) + batch["b"]
    return {"score": score, "label": np.where(score > 0, "pos", "neg").astype(object)}


class FakeRuntime:
    """A row-wise model behind the Runtime interface; ``behaviour`` replaces its predict."""

    framework = "python"

    def __init__(
        self, behaviour: Callable[[Batch], Batch] = _honest, signature: Signature = SIGNATURE
    ) -> None:
        self._behaviour = behaviour
        self._signature = signature

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        for spec in self._signature.inputs:
            if spec.name not in batch:
                raise InvalidInputError(f"missing model input {spec.name!r}")
        if len(batch["a"]) != len(batch["b"]):
            raise InvalidInputError(
                f"input 'b' has {len(batch['b'])} rows but input 'a' has {len(batch['a'])}"
            )
        return self._behaviour(batch)

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))


def test_an_honest_runtime_passes() -> None:
    runtime: Runtime = FakeRuntime()
    assert isinstance(runtime, Runtime)
    check_runtime(runtime)
    check_runtime(runtime, random_batch(SIGNATURE, rows=3, seed=7))


def _expect_failure(runtime: Runtime, match: str) -> None:
    with pytest.raises(AssertionError, match=match):
        check_runtime(runtime)


def test_a_short_output_is_caught() -> None:
    _expect_failure(
        FakeRuntime(lambda b: {k: v[:1] for k, v in _honest(b).items()}), "output 'score' has shape"
    )


def test_outputs_named_otherwise_than_declared_are_caught() -> None:
    _expect_failure(
        FakeRuntime(lambda b: {"prediction": _honest(b)["score"], "label": _honest(b)["label"]}),
        r"predict returned outputs \['label', 'prediction'\] but the signature declares",
    )


def test_an_output_of_the_wrong_dtype_is_caught() -> None:
    _expect_failure(
        FakeRuntime(lambda b: {**_honest(b), "score": _honest(b)["score"].astype(np.float32)}),
        "output 'score' has dtype float32 but the signature says float64",
    )


def test_rows_that_depend_on_the_rest_of_the_batch_are_caught() -> None:
    def batch_dependent(batch: Batch) -> Batch:
        outputs = _honest(batch)
        outputs["score"] = outputs["score"] - outputs["score"].mean()
        return outputs

    _expect_failure(FakeRuntime(batch_dependent), "output 'score' for row 0 differs when predicted alone")


def test_a_list_instead_of_an_array_is_caught() -> None:
    _expect_failure(
        FakeRuntime(lambda b: {**_honest(b), "score": _honest(b)["score"].tolist()}),
        "output 'score' is a list, not a numpy array",
    )


def test_mutating_the_input_is_caught() -> None:
    def mutating(batch: Batch) -> Batch:
        batch["a"] *= 0
        return _honest(batch)

    _expect_failure(FakeRuntime(mutating), "predict changed the caller's input 'a'")


def test_accepting_a_batch_without_an_input_is_caught() -> None:
    class Lenient(FakeRuntime):
        def predict(self, batch: Batch) -> Batch:
            if "a" not in batch:
                return {
                    "score": np.zeros(len(batch["b"])),
                    "label": np.full(len(batch["b"]), "neg", dtype=object),
                }
            return super().predict(batch)

    _expect_failure(Lenient(), "a batch without input 'a' was accepted")


def test_a_raw_error_for_ragged_rows_is_caught() -> None:
    class Raw(FakeRuntime):
        def predict(self, batch: Batch) -> Batch:
            if "a" in batch and "b" in batch and len(batch["a"]) != len(batch["b"]):
                raise ValueError("operands could not be broadcast together")
            return super().predict(batch)

    _expect_failure(Raw(), "one row fewer in input 'b' raised ValueError")


def test_a_signature_without_inputs_is_caught() -> None:
    _expect_failure(
        FakeRuntime(signature=Signature((), SIGNATURE.outputs)), "the signature declares no inputs"
    )


def test_an_unknown_framework_is_caught() -> None:
    class Alien(FakeRuntime):
        framework = "tensorflow"

    _expect_failure(Alien(), "framework 'tensorflow' is not one of")


def test_a_one_row_sample_is_refused() -> None:
    with pytest.raises(AssertionError, match="at least 2 rows"):
        check_runtime(FakeRuntime(), random_batch(SIGNATURE, rows=1))
