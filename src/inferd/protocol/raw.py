"""Raw tensor bytes: the layout shared by the binary tensor data extension and
gRPC's ``raw_*_contents``.

Elements are little-endian, row-major, without padding; BOOL is one byte (0 or
1); a BYTES element is a 4-byte little-endian unsigned length followed by its
bytes. Fixed-size tensors are decoded with :func:`numpy.frombuffer`, so the
arrays are read-only views of the caller's buffer (no copy).
"""

from __future__ import annotations

import struct
from math import prod
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.tensors import V2_DATATYPES, numpy_dtype

_LENGTH = struct.Struct("<I")

# Little-endian dtypes per v2 datatype, built once.
_WIRE_DTYPES: dict[str, np.dtype[Any]] = {
    name: numpy_dtype(name).newbyteorder("<") for name in V2_DATATYPES if name != "BYTES"
}


def array_from_raw(
    name: str, datatype: str, shape: tuple[int, ...], raw: bytes | memoryview, where: str = "binary data"
) -> np.ndarray:
    """Decode ``raw`` into an array of ``shape``; errors name the input.

    ``where`` names the source in messages ("binary data", "raw_input_contents").
    """
    dtype = _WIRE_DTYPES.get(datatype)
    if dtype is None:
        return _bytes_from_raw(name, shape, raw, where)
    expected = prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise InvalidInputError(
            f"input {name!r}: {where} has {len(raw)} bytes but shape {list(shape)} of {datatype} "
            f"needs {expected}"
        )
    array = np.frombuffer(raw, dtype=dtype).reshape(shape)
    if datatype == "BOOL" and array.size and array.view(np.uint8).max() > 1:
        raise InvalidInputError(f"input {name!r}: BOOL {where} holds bytes other than 0 and 1")
    return array


def _bytes_from_raw(name: str, shape: tuple[int, ...], raw: bytes | memoryview, where: str) -> np.ndarray:
    count = prod(shape)
    view = memoryview(raw)
    elements: list[bytes] = []
    offset = 0
    end = len(view)
    for index in range(count):
        if offset + 4 > end:
            raise InvalidInputError(f"input {name!r}: BYTES {where} ends after {index} of {count} elements")
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += 4
        if offset + length > end:
            raise InvalidInputError(
                f"input {name!r}: BYTES element {index} claims {length} bytes but only "
                f"{end - offset} remain in the {where}"
            )
        elements.append(bytes(view[offset : offset + length]))
        offset += length
    if offset != end:
        raise InvalidInputError(
            f"input {name!r}: BYTES {where} has {end - offset} bytes beyond its {count} elements"
        )
    array = np.empty(count, dtype=object)
    array[:] = elements
    return array.reshape(shape)


def raw_from_array(array: np.ndarray, datatype: str) -> bytes:
    """Encode ``array`` as raw bytes of ``datatype`` (row-major, little-endian)."""
    dtype = _WIRE_DTYPES.get(datatype)
    if dtype is not None:
        return np.ascontiguousarray(array, dtype=dtype).tobytes()
    return b"".join(_LENGTH.pack(len(item)) + item for item in map(as_bytes, array.ravel()))


def as_bytes(item: object) -> bytes:
    """One BYTES element as ``bytes``: str is UTF-8 encoded, numbers are spelled out."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode()
    if isinstance(item, bytearray | memoryview | np.bytes_):
        return bytes(item)
    return str(item).encode()
