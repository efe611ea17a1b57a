"""Checking a batch against a signature's inputs, and building sample batches.

Every runtime calls :func:`check_inputs` first, so a missing input, a
row-count mismatch or a wrong per-row shape is reported the same way, naming
the input, whatever the framework.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from inferd.errors import InvalidInputError
from inferd.tensors import Batch, Signature, TensorSpec


def check_inputs(batch: Mapping[str, np.ndarray], signature: Signature) -> int:
    """The batch's row count, after checking it holds every input with a fitting shape.

    Arrays in the batch that the signature does not name are ignored.
    """
    missing = [spec.name for spec in signature.inputs if spec.name not in batch]
    if missing:
        raise InvalidInputError(
            f"missing model input{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}; "
            f"the model takes {_names(signature.inputs)} and the batch has {sorted(batch) or 'nothing'}"
        )
    rows: int | None = None
    first = ""
    for spec in signature.inputs:
        n = _check_shape(spec, batch[spec.name])
        if rows is None:
            rows, first = n, spec.name
        elif n != rows:
            raise InvalidInputError(f"input {spec.name!r} has {n} rows but input {first!r} has {rows}")
    return rows or 0


def _check_shape(spec: TensorSpec, array: np.ndarray) -> int:
    shape = np.shape(array)
    if len(shape) == 0:
        raise InvalidInputError(f"input {spec.name!r} is a scalar; it needs a first (row) axis")
    expected = spec.shape[1:]
    got = shape[1:]
    fits = len(got) == len(expected) and all(e in (-1, g) for e, g in zip(expected, got, strict=True))
    if not fits:
        raise InvalidInputError(
            f"input {spec.name!r} has rows of shape {list(got)} but the model expects {_shape(expected)}"
        )
    return int(shape[0])


def sample_batch(signature: Signature, rows: int = 1) -> Batch:
    """A batch of ``rows`` zero (or empty-string) rows for every input, for warm-up."""
    batch: Batch = {}
    for spec in signature.inputs:
        shape = (rows, *(1 if d == -1 else d for d in spec.shape[1:]))
        dtype = np.dtype(spec.dtype)
        if dtype.kind in "OSU":
            batch[spec.name] = np.full(shape, "", dtype=object)
        else:
            batch[spec.name] = np.zeros(shape, dtype=dtype)
    return batch


def empty_outputs(signature: Signature) -> Batch:
    """Zero-row arrays for every declared output: the answer to an empty batch."""
    return {
        spec.name: np.empty((0, *(max(d, 0) for d in spec.shape[1:])), dtype=np.dtype(spec.dtype))
        for spec in signature.outputs
    }


def _names(specs: tuple[TensorSpec, ...]) -> str:
    return ", ".join(repr(s.name) for s in specs) or "nothing"


def _shape(dims: tuple[int, ...]) -> str:
    return "[" + ", ".join("any" if d == -1 else str(d) for d in dims) + "]"
