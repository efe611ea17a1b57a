"""How a feature column is stored: its dtype name and a text form of each value.

Both backends keep, per (entity, feature), the numpy dtype name the feature was
written with, and store each value as text chosen so that it reads back exactly:
floats as Python's shortest round-trip ``repr`` of the float64 value (a float32
written this way reads back bit-identical), integers in decimal, booleans as
``1``/``0``, strings as themselves, datetimes and timedeltas as their int64
ticks. A missing value (``None``, ``NaN``, ``NaT``) is stored as *no value*.

On the way back a column keeps its dtype, except where a missing value cannot
be represented in it: integers with a missing value read back as float64 with
``NaN`` (as pandas does), booleans as an object array holding ``None``.
Strings read back as object arrays (``None`` when missing).

When a feature is written again with another dtype, numeric dtypes widen
(``int64`` then ``float32`` gives ``float64``) so chunks that pandas parsed
differently still land in one column; anything mixed with strings becomes a
string column; other mixes are refused, naming the feature.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError

Text = str | bytes

_NUMERIC_KINDS = "biuf"
_TICK_KINDS = "mM"
_INT64_MIN = np.iinfo(np.int64).min


def storage_dtype(array: np.ndarray, feature: str) -> str:
    """The dtype name a column is stored under; refuses what has no faithful text form."""
    kind = array.dtype.kind
    if kind in "OUS":
        return "object"
    if kind in _NUMERIC_KINDS or kind in _TICK_KINDS:
        return array.dtype.name
    raise InvalidInputError(
        f"feature {feature!r}: dtype {array.dtype.name!r} cannot be stored; "
        "use numbers, booleans, strings or datetimes"
    )


def merged_dtype(stored: str | None, incoming: str, feature: str) -> str:
    """The dtype a feature keeps after a write of ``incoming`` over ``stored``."""
    if stored is None or stored == incoming:
        return incoming
    if "object" in (stored, incoming):
        return "object"
    old, new = np.dtype(stored), np.dtype(incoming)
    if old.kind in _NUMERIC_KINDS and new.kind in _NUMERIC_KINDS:
        return np.promote_types(old, new).name
    raise InvalidInputError(
        f"feature {feature!r} is stored as {stored}; values of dtype {incoming} cannot join it "
        "(write them under another feature name)"
    )


def encode(array: np.ndarray) -> list[str | None]:
    """The text form of every value of a 1-D column (``None`` where missing)."""
    kind = array.dtype.kind
    if kind == "f":
        return [None if math.isnan(x) else repr(x) for x in array.astype(np.float64).tolist()]
    if kind == "b":
        return ["1" if x else "0" for x in array.tolist()]
    if kind in "iu":
        return [str(x) for x in array.tolist()]
    if kind in _TICK_KINDS:
        ticks = array.view(np.int64).tolist()
        return [None if x == _INT64_MIN else str(x) for x in ticks]
    return [_encode_object(x) for x in array.tolist()]


def _encode_object(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType":
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)


def decode(texts: Sequence[Text | None], dtype: str) -> np.ndarray:
    """A column of ``dtype`` from stored texts; ``None`` is a missing value (see the module doc)."""
    target = np.dtype(dtype)
    n = len(texts)
    has_gaps = None in texts
    if target.kind == "O":
        return np.array([None if t is None else _text(t) for t in texts], dtype=object)
    if target.kind == "b":
        flags = [None if t is None else _text(t) == "1" for t in texts]
        return np.array(flags, dtype=object if has_gaps else bool)
    if target.kind in _TICK_KINDS:
        ticks = (_INT64_MIN if t is None else int(t) for t in texts)
        return np.fromiter(ticks, dtype=np.int64, count=n).view(target)
    if target.kind == "f" or has_gaps:
        floats = (math.nan if t is None else float(t) for t in texts)
        return np.fromiter(floats, dtype=target if target.kind == "f" else np.float64, count=n)
    return np.fromiter(map(int, texts), dtype=target, count=n)  # type: ignore[arg-type]


def _text(value: Text) -> str:
    return value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else value


def missing_column(n_rows: int, dtype: str | None) -> np.ndarray:
    """A column of ``n_rows`` missing values, as ``decode`` would give them."""
    return decode([None] * n_rows, dtype or "float64")
