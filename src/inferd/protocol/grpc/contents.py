"""Typed tensor contents (``InferTensorContents``) <-> numpy arrays.

Each datatype has one repeated field; small integers travel widened (INT8 in
``int_contents``), so decoding checks the range. FP16 has no typed field and
must travel raw.
"""

from __future__ import annotations

from math import prod

import numpy as np

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import DTYPES, narrow_integers
from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.protocol.raw import as_bytes

#: The ``InferTensorContents`` field per datatype; FP16 has none.
CONTENTS_FIELDS: dict[str, str] = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}

_WIDE_DTYPES = {
    "int_contents": np.int32,
    "uint_contents": np.uint32,
}


def array_from_contents(
    name: str, datatype: str, shape: tuple[int, ...], contents: pb.InferTensorContents
) -> np.ndarray:
    """The array an input's typed ``contents`` hold; errors name the input."""
    field = CONTENTS_FIELDS.get(datatype)
    if field is None:
        raise InvalidInputError(
            f"input {name!r}: {datatype} has no typed contents; send it in raw_input_contents"
        )
    misplaced = [descriptor.name for descriptor, _ in contents.ListFields() if descriptor.name != field]
    if misplaced:
        raise InvalidInputError(
            f"input {name!r}: datatype {datatype} belongs in {field}, "
            f"but the contents fill {', '.join(misplaced)}"
        )
    values = getattr(contents, field)
    expected = prod(shape)
    if len(values) != expected:
        raise InvalidInputError(
            f"input {name!r}: {field} has {len(values)} values but shape {list(shape)} needs {expected}"
        )
    if datatype == "BYTES":
        array = np.empty(expected, dtype=object)
        array[:] = list(values)
        return array.reshape(shape)
    wide = _WIDE_DTYPES.get(field)
    if wide is None:
        return np.array(values, dtype=DTYPES[datatype]).reshape(shape)
    return narrow_integers(name, datatype, np.array(values, dtype=wide)).reshape(shape)


def fill_contents(contents: pb.InferTensorContents, datatype: str, array: np.ndarray) -> None:
    """Write ``array`` into the typed field of ``datatype`` (not FP16: that travels raw)."""
    field = getattr(contents, CONTENTS_FIELDS[datatype])
    if datatype == "BYTES":
        field.extend(as_bytes(item) for item in array.ravel())
    else:
        field.extend(array.ravel().tolist())
