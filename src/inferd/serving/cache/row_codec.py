"""The byte form of one cached row (a Batch of one-row arrays), for caches outside the process.

Never pickle: a cache shared between replicas must not be a way to run code.
The layout, all integers little-endian::

    b"IRW1"  u16 n_arrays
    per array:  u16 len, name (UTF-8)   u8 len, dtype.str (ASCII, e.g. "<f4", "|O")
                u8 ndim, ndim x u32 dims   u32 len, data

``data`` is the array's memory in C order, or for an object array its elements
in the canonical form of :mod:`inferd.serving.cache.object_values`. Decoding
checks every length and raises :class:`InferdError` on bytes it did not write.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from inferd.errors import InferdError
from inferd.serving.cache.object_values import decode_objects, encode_objects
from inferd.tensors import Batch

MAGIC = b"IRW1"
_COUNT = struct.Struct("<H")
_U8 = struct.Struct("<B")
_U32 = struct.Struct("<I")


def encode_row(row: Batch) -> bytes:
    """The bytes of ``row``; raises :class:`InferdError` for a structured dtype (no portable form)."""
    parts = [MAGIC, _COUNT.pack(len(row))]
    for name, array in row.items():
        dtype = array.dtype
        if dtype.kind == "V":
            raise InferdError(f"output {name!r}: structured arrays cannot be stored in the prediction cache")
        if dtype.kind == "O":
            data = encode_objects(array.reshape(-1), field=name)
        else:
            data = np.ascontiguousarray(array).tobytes()
        encoded_name = name.encode()
        dtype_text = dtype.str.encode("ascii")
        parts += [_COUNT.pack(len(encoded_name)), encoded_name, _U8.pack(len(dtype_text)), dtype_text]
        parts += [_U8.pack(array.ndim), struct.pack(f"<{array.ndim}I", *array.shape)]
        parts += [_U32.pack(len(data)), data]
    return b"".join(parts)


def decode_row(data: bytes) -> Batch:
    """The row that :func:`encode_row` wrote (arrays are read-only views of ``data``)."""
    if data[:4] != MAGIC:
        raise InferdError("a cached row does not start with the expected format marker (IRW1)")
    try:
        return _decoded(data)
    except (TypeError, ValueError, struct.error) as exc:  # a dtype, name or shape we did not write
        raise InferdError(f"a cached row cannot be decoded: {exc}") from exc


def _decoded(data: bytes) -> Batch:
    reader = _Reader(memoryview(data), 4)
    row: Batch = {}
    for _ in range(reader.unpack(_COUNT)):
        name = reader.take(reader.unpack(_COUNT)).decode()
        dtype = np.dtype(reader.take(reader.unpack(_U8)).decode("ascii"))
        ndim = reader.unpack(_U8)
        shape = struct.unpack_from(f"<{ndim}I", reader.take(4 * ndim))
        row[name] = _array(reader.take(reader.unpack(_U32)), dtype, shape)
    if reader.at != len(data):
        raise InferdError("a cached row has trailing bytes")
    return row


def _array(data: bytes, dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray:
    count = math.prod(shape)
    if dtype.kind == "O":
        array = np.empty(count, dtype=object)
        array[:] = decode_objects(data, count)
        return array.reshape(shape)
    if len(data) != count * dtype.itemsize:
        raise InferdError(f"a cached array of shape {shape} and dtype {dtype.str} has {len(data)} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


class _Reader:
    """Walks the encoded bytes, refusing to read past their end."""

    def __init__(self, view: memoryview, at: int) -> None:
        self.view = view
        self.at = at

    def take(self, size: int) -> bytes:
        end = self.at + size
        if end > len(self.view):
            raise InferdError("a cached row is truncated")
        chunk = bytes(self.view[self.at : end])
        self.at = end
        return chunk

    def unpack(self, layout: struct.Struct) -> int:
        (value,) = layout.unpack(self.take(layout.size))
        return int(value)
