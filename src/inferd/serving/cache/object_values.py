"""A canonical byte form for the elements of object (string) arrays.

Each element becomes a one-byte type tag, a 4-byte little-endian length and a
payload: ``s`` UTF-8 text, ``b`` bytes, ``i`` a decimal integer, ``f`` a
float's exact ``float.hex()``, ``?`` a bool, ``n`` None. numpy scalars count as
the Python value they hold. The form is unambiguous (length-prefixed), the same
for the same values whatever array holds them, and reversible, so the prediction
cache uses it both to hash rows and to store them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

import numpy as np

from inferd.errors import InferdError, InvalidInputError

_HEAD = struct.Struct("<cI")


def encode_objects(values: Iterable[Any], *, field: str) -> bytes:
    """The canonical bytes of ``values``; ``field`` names the input in the error for an unsupported type."""
    parts: list[bytes] = []
    for value in values:
        tag, payload = _tagged(value.item() if isinstance(value, np.generic) else value, field)
        parts.append(_HEAD.pack(tag, len(payload)))
        parts.append(payload)
    return b"".join(parts)


def decode_objects(data: bytes | memoryview, count: int) -> list[Any]:
    """The ``count`` values that :func:`encode_objects` wrote into ``data``."""
    view = memoryview(data)
    values: list[Any] = []
    at = 0
    for _ in range(count):
        if at + _HEAD.size > len(view):
            raise InferdError("a cached object array is truncated")
        tag, size = _HEAD.unpack_from(view, at)
        at += _HEAD.size
        payload = bytes(view[at : at + size])
        at += size
        values.append(_decoded(tag, payload))
    if at != len(view):
        raise InferdError("a cached object array has trailing bytes")
    return values


def _tagged(value: Any, field: str) -> tuple[bytes, bytes]:
    if isinstance(value, str):
        return b"s", value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return b"b", value
    if value is None:
        return b"n", b""
    if isinstance(value, bool):
        return b"?", b"1" if value else b"0"
    if isinstance(value, int):
        return b"i", str(value).encode()
    if isinstance(value, float):
        return b"f", value.hex().encode()
    raise InvalidInputError(
        f"input {field!r}: a {type(value).__name__} value cannot be hashed for the prediction cache; "
        "send strings, bytes, numbers, booleans or nulls"
    )


def _decoded(tag: bytes, payload: bytes) -> Any:
    if tag == b"s":
        return payload.decode("utf-8", "surrogatepass")
    if tag == b"b":
        return payload
    if tag == b"n":
        return None
    if tag == b"?":
        return payload == b"1"
    if tag == b"i":
        return int(payload)
    if tag == b"f":
        return float.fromhex(payload.decode())
    raise InferdError(f"a cached object array holds an unknown type tag {tag!r}")
