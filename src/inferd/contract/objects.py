"""Classifying the elements of an object array: nulls, text, numbers.

Clients send object arrays for text and for anything mixed (``None`` among
numbers, a stray string). Calling a Python function per element is slow (about
a microsecond each), so the element types are mapped once with the C-level
``type`` and compared with the common types, which numpy does without Python
frames. Only elements of unusual types (``numpy.str_``, pandas' ``NA``, ...)
go through the per-element Python checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

_TEXT_TYPES = (str, bytes)
_FLOAT_TYPES = (float, np.float64, np.float32, np.float16)
_INTEGER_TYPES = (int, bool, np.int64, np.int32, np.bool_)


@dataclass(frozen=True)
class ObjectKinds:
    """Element masks of an object array: ``nulls`` (None, NaN, pandas' NA/NaT), ``text``, ``numbers``.

    Nulls are neither text nor numbers.
    """

    nulls: np.ndarray
    text: np.ndarray
    numbers: np.ndarray

    @classmethod
    def of(cls, objects: np.ndarray) -> ObjectKinds:
        types = _TYPE(objects)
        text = _is_any(types, _TEXT_TYPES)
        floats = _is_any(types, _FLOAT_TYPES)
        numbers = floats | _is_any(types, _INTEGER_TYPES)
        nulls = _is_any(types, (type(None),))
        if floats.any():
            nan = np.zeros_like(nulls)
            nan[floats] = np.not_equal(objects[floats], objects[floats])  # Python floats: NaN != NaN
            nulls |= nan
            numbers &= ~nan
        others = ~(text | numbers | nulls)
        if others.any():
            rest = objects[others]
            rest_nulls = np.asarray(_IS_NULL(rest), dtype=bool)
            nulls[others] = rest_nulls
            text[others] = np.asarray(_IS_TEXT(rest), dtype=bool) & ~rest_nulls
            numbers[others] = np.asarray(_IS_NUMBER(rest), dtype=bool) & ~rest_nulls
        return cls(nulls, text, numbers)


def _is_any(types: np.ndarray, candidates: tuple[type, ...]) -> np.ndarray:
    """Where ``types`` (an object array of types) is one of ``candidates``: identity compares, in C."""
    out = np.zeros(types.shape, dtype=bool)
    for candidate in candidates:
        boxed = np.empty((), dtype=object)
        boxed[()] = candidate
        out |= np.asarray(np.equal(types, boxed), dtype=bool)
    return out


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    return type(value).__name__ in ("NAType", "NaTType")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating | np.bool_)


def _is_text(value: Any) -> bool:
    return isinstance(value, str | bytes)


_TYPE = np.frompyfunc(type, 1, 1)
_IS_NULL = np.frompyfunc(_is_null, 1, 1)
_IS_NUMBER = np.frompyfunc(_is_number, 1, 1)
_IS_TEXT = np.frompyfunc(_is_text, 1, 1)
