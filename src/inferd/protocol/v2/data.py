"""Tensor ``data`` in JSON: lists (flat or nested, row-major) <-> numpy arrays.

Numbers are converted by numpy in one call (no per-element Python loop); the
JSON element types are checked from the dtype numpy infers, so a string in an
FP32 tensor or a float in an INT32 tensor is refused instead of coerced.
"""

from __future__ import annotations

import struct
from math import prod
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import DTYPES, narrow_integers

# Which kinds of inferred array each datatype family accepts from JSON.
_ACCEPTED_KINDS = {"b": "b", "i": "iu", "u": "iu", "f": "iuf"}
_KIND_WORDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "numbers"}
# struct packers of n doubles by n, for the usual request sizes (a bounded few: n is the client's).
_DOUBLE_PACKERS: dict[int, struct.Struct] = {}
_DOUBLE_PACKERS_KEPT = 64


def array_from_json(name: str, datatype: str, shape: tuple[int, ...], data: object) -> np.ndarray:
    """The array for one input's JSON ``data``; errors name the input and the problem."""
    if not isinstance(data, list):
        raise InvalidInputError(f"input {name!r}: 'data' must be a list, got {type(data).__name__}")
    array = _bytes_from_json(name, data) if datatype == "BYTES" else _numbers_from_json(name, datatype, data)
    expected = prod(shape)
    if array.size != expected:
        raise InvalidInputError(
            f"input {name!r}: data has {array.size} values but shape {list(shape)} needs {expected}"
        )
    return array.reshape(shape)


def _numbers_from_json(name: str, datatype: str, data: list[Any]) -> np.ndarray:
    dtype = DTYPES[datatype]
    if dtype.kind == "f" and data and type(data[0]) is float:
        floats = _flat_floats(data)
        if floats is not None:
            return floats.astype(dtype)  # a copy: the packed buffer is read-only
    try:
        inferred = np.asarray(data)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"input {name!r}: nested data is ragged (rows of different lengths)") from exc
    if inferred.size == 0:
        return inferred.astype(dtype)
    accepted = _ACCEPTED_KINDS[dtype.kind]
    if dtype.kind in "iu" and inferred.dtype.kind in "fO":
        # numpy turns [2**63, 0] into float64 (no common integer dtype); look closer.
        inferred = _exact_integers(name, datatype, inferred, data)
    if inferred.dtype.kind not in accepted:
        raise InvalidInputError(
            f"input {name!r}: {datatype} data must hold only {_KIND_WORDS[dtype.kind]}, "
            f"got {_describe(inferred)}"
        )
    if dtype.kind in "iu":
        return narrow_integers(name, datatype, inferred)
    return inferred.astype(dtype, copy=False)


def _flat_floats(data: list[Any]) -> np.ndarray | None:
    """A flat list of JSON numbers that starts with a float, as float64 (what numpy infers for it).

    ``struct`` packs them in a C loop, with about half the instructions of numpy's
    inference (numbers to a 30-float tensor: 15.7k -> 9.4k), which was a tenth of a
    one-row request. None for anything else (a nested list, a string, a null, an
    integer beyond float64), for numpy to infer and to name what is wrong.
    """
    count = len(data)
    packer = _DOUBLE_PACKERS.get(count)
    if packer is None:
        packer = struct.Struct(f"{count}d")
        if len(_DOUBLE_PACKERS) < _DOUBLE_PACKERS_KEPT:
            _DOUBLE_PACKERS[count] = packer
    try:
        packed = packer.pack(*data)
    except (struct.error, OverflowError, TypeError):
        return None
    return np.frombuffer(packed, np.float64)


def _exact_integers(name: str, datatype: str, inferred: np.ndarray, data: list[Any]) -> np.ndarray:
    """The values as an exact integer array when they all are JSON integers, else ``inferred``."""
    values = np.asarray(data, dtype=object).ravel()
    if not all(type(value) is int for value in values):
        return inferred
    low, high = min(values), max(values)
    if low >= -(2**63) and high < 2**63:
        return np.array(values, dtype=np.int64)
    if low >= 0 and high < 2**64:
        return np.array(values, dtype=np.uint64)
    info = np.iinfo(DTYPES[datatype])
    bad = low if low < info.min else high
    raise InvalidInputError(f"input {name!r}: {bad} is outside the {datatype} range [{info.min}, {info.max}]")


def _describe(inferred: np.ndarray) -> str:
    kind = inferred.dtype.kind
    if kind in "US":
        return "strings"
    if kind == "O":
        types = {"null" if item is None else type(item).__name__ for item in inferred.ravel()[:1000]}
        return "a mix of " + ", ".join(sorted(types))
    return _KIND_WORDS.get(kind, inferred.dtype.name)


def _bytes_from_json(name: str, data: list[Any]) -> np.ndarray:
    try:
        nested = np.asarray(data, dtype=object)
    except ValueError as exc:
        raise InvalidInputError(f"input {name!r}: nested data is ragged (rows of different lengths)") from exc
    flat = nested.ravel()
    try:
        encoded = [item.encode() for item in flat]
    except AttributeError:
        bad = next(item for item in flat if not isinstance(item, str))
        raise InvalidInputError(
            f"input {name!r}: BYTES data must hold only strings, got {type(bad).__name__} {bad!r:.40}"
        ) from None
    array = np.empty(len(encoded), dtype=object)
    array[:] = encoded
    return array


def json_data(name: str, array: np.ndarray) -> np.ndarray | list[Any]:
    """What to put in ``data`` for ``array``: numeric arrays go to orjson as they are
    (flattened, row-major); BYTES elements become strings.
    """
    dtype = array.dtype
    if dtype.kind not in "OSU":
        # orjson serialises native-endian, C-contiguous arrays only (a model's outputs, and the
        # rows sliced from them, usually are already: then ravel is a view).
        if not (array.flags.c_contiguous and dtype.isnative):
            array = np.ascontiguousarray(array, dtype=dtype.newbyteorder("="))
        return array.ravel()
    try:
        return [_as_text(item) for item in array.ravel()]
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"output {name!r} holds bytes that are not UTF-8, which JSON cannot carry; "
            "ask for it as binary data (parameter binary_data: true)"
        ) from exc


def _as_text(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, bytes | bytearray | np.bytes_):
        return bytes(item).decode()
    return str(item)
