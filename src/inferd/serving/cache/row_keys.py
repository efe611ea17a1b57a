"""Prediction cache keys: one canonical hash per row of a model's inputs.

A row's key is a 16-byte BLAKE2b digest of the model version's ref, then, for
each input in sorted name order, its name, dtype (kind and item size; the full
description for dates and structured types) and per-row shape (hashed once per
call), then the row's bytes. Fixed-width arrays are hashed straight from their
memory in native byte order, with no per-element Python; object and
string arrays (``O``, ``U``, ``S``) are hashed element by element in the
canonical form of :mod:`inferd.serving.cache.object_values`, so the same
strings give the same key whichever array kind carries them. The same values
give the same key whatever the dict order; another version gives another key.
Values equal as numbers but not as bytes (``0.0`` and ``-0.0``, NaN payloads)
get different keys, which only costs a miss.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.cache.object_values import encode_objects
from inferd.tensors import Batch, batch_rows

KEY_BYTES = 16
_PERSON = b"inferd-rowkey-v1"  # domain separation, and the key format's version
_TEXT_KINDS = "OUS"


def row_keys(version_ref: str, batch: Batch) -> list[bytes]:
    """One cache key per row of ``batch`` (the model's inputs) for the version ``version_ref``.

    Raises :class:`InvalidInputError` when the inputs disagree on their number
    of rows, when one has no row axis, or when an object array holds a value
    that has no canonical form (see :mod:`inferd.serving.cache.object_values`).
    """
    n_rows = _n_rows(batch)
    if n_rows == 0:
        return []
    header = [f"{len(version_ref)}:{version_ref}"]
    fixed: list[np.ndarray] = []
    texts: list[tuple[str, np.ndarray]] = []
    for name in sorted(batch) if len(batch) > 1 else batch:
        array = batch[name]
        if array.dtype.kind in _TEXT_KINDS:
            header.append(f"{len(name)}:{name}:text:{_row_shape(array)}")
            texts.append((name, array if array.ndim == 2 else array.reshape(n_rows, array[:1].size)))
            continue
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        header.append(f"{len(name)}:{name}:{_dtype_tag(array.dtype)}:{_row_shape(array)}")
        fixed.append(array)
    base = hashlib.blake2b("\n".join(header).encode(), digest_size=KEY_BYTES, person=_PERSON)
    if texts:
        return [_mixed_key(base, fixed, texts, row) for row in range(n_rows)]
    if n_rows == 1:
        for array in fixed:
            base.update(array.data)
        return [base.digest()]
    return _fixed_keys(base, fixed, n_rows)


def _dtype_tag(dtype: np.dtype[Any]) -> str:
    # kind and size name a plain dtype on every platform (``dtype.char`` does not) and cost less than
    # ``dtype.str``; dates need their unit, and structured dtypes their layout.
    kind = dtype.kind
    return f"{kind}{dtype.itemsize}" if kind not in "MmV" else str(dtype.descr)


def _row_shape(array: np.ndarray) -> str:
    ndim = array.ndim
    if ndim == 2:
        return str(array.shape[1])
    return "" if ndim == 1 else ",".join(map(str, array.shape[1:]))


def _n_rows(batch: Batch) -> int:
    n_rows = -1
    for name, array in batch.items():
        if array.ndim == 0:
            raise InvalidInputError(f"input {name!r} is a scalar; every input needs a row axis")
        if n_rows != len(array) and n_rows != -1:
            return batch_rows(batch)  # raises, naming every input's number of rows
        n_rows = len(array)
    return max(n_rows, 0)


def _fixed_keys(base: hashlib.blake2b, fixed: list[np.ndarray], n_rows: int) -> list[bytes]:
    block = fixed[0] if len(fixed) == 1 else np.concatenate([_bytes_matrix(a, n_rows) for a in fixed], axis=1)
    data = memoryview(block.tobytes())
    width = len(data) // n_rows
    keys = []
    for start in range(0, width * n_rows, width) if width else range(n_rows):
        digest = base.copy()
        digest.update(data[start : start + width])
        keys.append(digest.digest())
    return keys


def _bytes_matrix(array: np.ndarray, n_rows: int) -> np.ndarray:
    return array.reshape(n_rows, -1).view(np.uint8) if array.size else np.empty((n_rows, 0), np.uint8)


def _mixed_key(
    base: hashlib.blake2b, fixed: list[np.ndarray], texts: list[tuple[str, np.ndarray]], row: int
) -> bytes:
    digest = base.copy()
    for array in fixed:
        digest.update(array[row])
    for name, values in texts:
        digest.update(encode_objects(values[row], field=name))
    return digest.digest()
