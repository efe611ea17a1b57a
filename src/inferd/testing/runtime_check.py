"""check_runtime: the conformance kit for the Runtime interface.

In the spirit of scikit-learn's ``check_estimator``: give it a loaded runtime
(and optionally a sample batch of a few rows) and it raises ``AssertionError``
with a message saying which promise of the interface is broken:

- ``framework`` is one of ``FRAMEWORKS`` and ``signature`` a Signature with
  uniquely named inputs, a row axis on every tensor and known dtypes;
- ``warmup()`` runs;
- ``predict`` returns a dict of numpy arrays, one per declared output (when
  outputs are declared), with the declared dtype and per-row shape, and as
  many rows as the input; it leaves the input batch untouched;
- predicting several rows at once agrees, row by row, with predicting each row
  alone;
- an empty (zero-row) batch gets zero-row outputs, when outputs are declared;
- a batch missing an input, or whose inputs disagree on the row count, is
  refused with ``InvalidInputError`` naming the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.runtimes import FRAMEWORKS, Runtime
from inferd.tensors import Batch, Signature, TensorSpec, batch_rows, canonical_dtype_name, slice_rows

SAMPLE_ROWS = 5


def check_runtime(runtime: Runtime, sample: Batch | None = None) -> None:
    """Assert that ``runtime`` honours the Runtime interface (see the module docstring).

    ``sample`` should hold realistic rows when random numbers would not do
    (categorical strings, ids); by default rows are drawn from the signature.
    """
    signature = _check_signature(runtime)
    batch = sample if sample is not None else random_batch(signature, SAMPLE_ROWS)
    rows = batch_rows(batch)
    _expect(rows >= 2, f"the sample batch needs at least 2 rows to compare rows, it has {rows}")
    runtime.warmup()
    whole = _check_predict(runtime, batch, rows)
    _check_row_by_row(runtime, batch, whole)
    _check_empty_batch(runtime, batch)
    _check_refuses_missing_input(runtime, batch)
    _check_refuses_ragged_rows(runtime, batch)


def random_batch(signature: Signature, rows: int, seed: int = 0) -> Batch:
    """``rows`` random rows for every input: normal floats, small integers, booleans, short strings."""
    rng = np.random.default_rng(seed)
    return {spec.name: _random_array(rng, spec, rows) for spec in signature.inputs}


def _random_array(rng: np.random.Generator, spec: TensorSpec, rows: int) -> np.ndarray:
    shape = (rows, *(2 if d == -1 else d for d in spec.shape[1:]))
    dtype = np.dtype(spec.dtype)
    if dtype.kind == "f":
        return rng.normal(size=shape).astype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 4, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    return np.array([f"v{i}" for i in rng.integers(0, 4, size=int(np.prod(shape)))], dtype=object).reshape(
        shape
    )


def _check_signature(runtime: Runtime) -> Signature:
    _expect(runtime.framework in FRAMEWORKS, f"framework {runtime.framework!r} is not one of {FRAMEWORKS}")
    signature = runtime.signature
    _expect(isinstance(signature, Signature), f"signature is a {type(signature).__name__}, not a Signature")
    _expect(len(signature.inputs) > 0, "the signature declares no inputs")
    for kind, specs in (("input", signature.inputs), ("output", signature.outputs)):
        names = [spec.name for spec in specs]
        _expect(len(names) == len(set(names)), f"the signature repeats {kind} names: {names}")
        for spec in specs:
            _expect(len(spec.shape) >= 1, f"{kind} {spec.name!r} has no row axis (shape {spec.shape})")
            canonical_dtype_name(spec.dtype)
    return signature


def _check_predict(runtime: Runtime, batch: Batch, rows: int) -> Batch:
    before = {name: np.array(array, copy=True) for name, array in batch.items()}
    outputs = runtime.predict(batch)
    _expect(isinstance(outputs, dict), f"predict returned a {type(outputs).__name__}, not a dict")
    for name, array in outputs.items():
        _expect(
            isinstance(array, np.ndarray), f"output {name!r} is a {type(array).__name__}, not a numpy array"
        )
        _expect(
            array.ndim >= 1 and len(array) == rows,
            f"output {name!r} has shape {array.shape}, not {rows} rows",
        )
    declared = runtime.signature.outputs
    if declared:
        _expect(
            sorted(outputs) == sorted(spec.name for spec in declared),
            f"predict returned outputs {sorted(outputs)} but the signature declares "
            f"{sorted(spec.name for spec in declared)}",
        )
        for spec in declared:
            _check_output_spec(spec, outputs[spec.name])
    for name, array in before.items():
        _expect(_same(array, batch[name], exact=True), f"predict changed the caller's input {name!r}")
    return outputs


def _check_output_spec(spec: TensorSpec, array: np.ndarray) -> None:
    expected = np.dtype(spec.dtype)
    fits_dtype = array.dtype.kind in "OSU" if expected.kind in "OSU" else array.dtype == expected
    _expect(fits_dtype, f"output {spec.name!r} has dtype {array.dtype} but the signature says {spec.dtype}")
    row_shape = spec.shape[1:]
    fits_shape = array.ndim - 1 == len(row_shape) and all(
        d in (-1, g) for d, g in zip(row_shape, array.shape[1:], strict=True)
    )
    _expect(
        fits_shape,
        f"output {spec.name!r} has rows of shape {list(array.shape[1:])}, the signature says "
        f"{list(row_shape)}",
    )


def _check_row_by_row(runtime: Runtime, batch: Batch, whole: Batch) -> None:
    for row in range(batch_rows(batch)):
        alone = runtime.predict(slice_rows(batch, row, row + 1))
        for name, array in whole.items():
            _expect(name in alone, f"output {name!r} is missing when predicting row {row} alone")
            _expect(
                _same(array[row : row + 1], alone[name], exact=False),
                f"output {name!r} for row {row} differs when predicted alone: "
                f"{alone[name].tolist()} vs {array[row : row + 1].tolist()} in the batch",
            )


def _check_empty_batch(runtime: Runtime, batch: Batch) -> None:
    if not runtime.signature.outputs:
        return
    outputs = runtime.predict(slice_rows(batch, 0, 0))
    for spec in runtime.signature.outputs:
        _expect(spec.name in outputs, f"output {spec.name!r} is missing for an empty batch")
        _expect(len(outputs[spec.name]) == 0, f"output {spec.name!r} has rows for an empty batch")


def _check_refuses_missing_input(runtime: Runtime, batch: Batch) -> None:
    dropped = runtime.signature.inputs[0].name
    partial = {name: array for name, array in batch.items() if name != dropped}
    _expect_refusal(runtime, partial, dropped, "a batch without input")


def _check_refuses_ragged_rows(runtime: Runtime, batch: Batch) -> None:
    inputs = runtime.signature.inputs
    if len(inputs) < 2:
        return
    shortened = inputs[-1].name
    ragged = dict(batch)
    ragged[shortened] = batch[shortened][:-1]
    _expect_refusal(runtime, ragged, shortened, "a batch with one row fewer in input")


def _expect_refusal(runtime: Runtime, batch: Batch, name: str, what: str) -> None:
    try:
        runtime.predict(batch)
    except InvalidInputError as exc:
        _expect(repr(name) in str(exc), f"the error for {what} {name!r} does not name it: {exc}")
        return
    except Exception as exc:
        raise AssertionError(
            f"{what} {name!r} raised {type(exc).__name__} ({exc}) instead of InvalidInputError"
        ) from exc
    raise AssertionError(f"{what} {name!r} was accepted; it should raise InvalidInputError")


def _same(a: np.ndarray, b: Any, *, exact: bool) -> bool:
    b = np.asarray(b)
    if a.shape != b.shape:
        return False
    if not exact and a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"check_runtime: {message}")
