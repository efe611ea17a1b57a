"""Batches and tensor descriptions shared by every layer.

A :data:`Batch` is ``dict[str, numpy.ndarray]`` with rows on the first axis.
This module also maps Open Inference Protocol v2 datatypes to numpy dtypes and
back, and describes a model's inputs and outputs (:class:`TensorSpec`,
:class:`Signature`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError

Batch = dict[str, np.ndarray]

# BYTES is carried as an object array of ``bytes`` (or ``str``) elements.
_V2_TO_NUMPY: dict[str, str] = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}
_NUMPY_TO_V2: dict[str, str] = {v: k for k, v in _V2_TO_NUMPY.items()}
_NUMPY_TO_V2.update({"str": "BYTES", "bytes": "BYTES", "string": "BYTES"})

V2_DATATYPES: tuple[str, ...] = tuple(_V2_TO_NUMPY)


def numpy_dtype(datatype: str) -> np.dtype[Any]:
    """The numpy dtype for a v2 datatype (``"FP32"``) or a numpy name (``"float32"``)."""
    name = _V2_TO_NUMPY.get(datatype, datatype)
    try:
        return np.dtype(name)
    except TypeError as exc:
        raise InvalidInputError(
            f"unknown datatype {datatype!r}; expected one of {', '.join(V2_DATATYPES)}"
        ) from exc


def v2_datatype(dtype: np.dtype[Any] | str) -> str:
    """The v2 datatype name for a numpy dtype; strings and objects are ``BYTES``."""
    dt = np.dtype(dtype)
    if dt.kind in "OSU":
        return "BYTES"
    try:
        return _NUMPY_TO_V2[dt.name]
    except KeyError as exc:
        raise InvalidInputError(f"dtype {dt.name!r} has no Open Inference Protocol datatype") from exc


def canonical_dtype_name(dtype: str) -> str:
    """Normalise ``"FP32"``, ``"float32"`` or ``"f4"`` to numpy's name (``"float32"``)."""
    if dtype in ("str", "string", "bytes"):
        return "object"
    return numpy_dtype(dtype).name


def batch_rows(batch: Mapping[str, np.ndarray]) -> int:
    """The number of rows in a batch; every array must agree on it."""
    if len(batch) == 1:  # nothing to agree with (one matrix, as standard clients send)
        for array in batch.values():
            return len(array)
    sizes = {name: len(array) for name, array in batch.items()}
    distinct = set(sizes.values())
    if len(distinct) > 1:
        detail = ", ".join(f"{name!r}: {n}" for name, n in sizes.items())
        raise InvalidInputError(f"inputs disagree on the number of rows ({detail})")
    return distinct.pop() if distinct else 0


def slice_rows(batch: Mapping[str, np.ndarray], start: int, stop: int) -> Batch:
    """Rows ``start:stop`` of every array (views, no copies)."""
    return {name: array[start:stop] for name, array in batch.items()}


def concat_batches(batches: list[Batch]) -> Batch:
    """Stack batches with the same names along the row axis."""
    if len(batches) == 1:
        return dict(batches[0])
    names = batches[0].keys()
    return {name: np.concatenate([b[name] for b in batches]) for name in names}


@dataclass(frozen=True)
class TensorSpec:
    """One named tensor: numpy dtype name and shape, ``-1`` for a variable dimension.

    The first dimension is the batch (rows) dimension.
    """

    name: str
    dtype: str
    shape: tuple[int, ...] = (-1,)

    @property
    def datatype(self) -> str:
        """The v2 datatype name (``FP32``...)."""
        return v2_datatype(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "datatype": self.datatype, "shape": list(self.shape)}


@dataclass(frozen=True)
class Signature:
    """What a model takes and gives: ordered input and output tensors."""

    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...] = field(default_factory=tuple)

    def input(self, name: str) -> TensorSpec:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [s.to_dict() for s in self.inputs],
            "outputs": [s.to_dict() for s in self.outputs],
        }
