"""Screening many well-typed columns at once for nulls and out-of-range values.

A column already of its field's numeric dtype and shape needs no cast, so the
only questions left are "any null?" and "anything out of range?". Columns of
one dtype and shape are copied into one array, and one NaN-propagating
``minimum`` and one ``maximum`` along the field axis answer both questions for
all of them: a handful of numpy calls per batch instead of several per field.
A column that the screen cannot clear gets the full, mask-building check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from inferd.contract.field import Field


class Screen:
    """The null and range rules of a tuple of fields, as arrays to compare a batch's extremes with."""

    def __init__(self, fields: Sequence[Field]) -> None:
        # float64 bounds: the comparison must never cast a bound into a narrower column dtype.
        self._lows = np.array([-math.inf if f.min is None else f.min for f in fields], dtype=np.float64)
        self._highs = np.array([math.inf if f.max is None else f.max for f in fields], dtype=np.float64)
        # Where a NaN (a null) is a suspect: only a nullable field without bounds may hold one unchecked.
        self._strict = np.array([not f.nullable or f.min is not None or f.max is not None for f in fields])
        self._low_list = self._lows.tolist()
        self._high_list = self._highs.tolist()
        self.needed = tuple(_can_break(f) for f in fields)

    def uncleared(self, positions: Sequence[int], columns: Sequence[np.ndarray]) -> list[int]:
        """The positions (field indices) whose column may break its null or range rule.

        ``columns[k]`` belongs to field ``positions[k]``; each must already have its
        field's numeric dtype and shape, and at least one row.
        """
        groups: dict[tuple[np.dtype[Any], tuple[int, ...]], list[int]] = {}
        for k, column in enumerate(columns):
            groups.setdefault((column.dtype, column.shape), []).append(k)
        found: list[int] = []
        for members in groups.values():
            suspects = self._suspects([positions[k] for k in members], [columns[k] for k in members])
            found += [positions[members[k]] for k in np.flatnonzero(suspects)]
        return sorted(found)

    def _suspects(self, positions: list[int], columns: list[np.ndarray]) -> np.ndarray:
        joined = _join(columns)
        low = float(np.minimum.reduce(joined, axis=None))
        # The common case first: one minimum (and maximum) over all the columns clears them all.
        if low == low and low >= max(self._low_list[p] for p in positions):
            min_high = min(self._high_list[p] for p in positions)
            if min_high == math.inf or float(np.maximum.reduce(joined, axis=None)) <= min_high:
                return np.zeros(len(positions), dtype=bool)
        axes = tuple(range(1, joined.ndim))
        lows = np.minimum.reduce(joined, axis=axes)
        highs = np.maximum.reduce(joined, axis=axes)
        suspects = (lows < self._lows[positions]) | (highs > self._highs[positions])
        if joined.dtype.kind == "f":
            suspects |= (lows != lows) & self._strict[positions]
        return np.asarray(suspects)


def _join(columns: list[np.ndarray]) -> np.ndarray:
    """Same-shape columns as one array, field axis first."""
    if len(columns) == 1:
        return columns[0][np.newaxis]
    if columns[0].ndim == 1:
        return np.concatenate(columns).reshape(len(columns), -1)
    return np.array(columns)


def _can_break(field: Field) -> bool:
    """Whether a well-typed column of ``field`` can break anything (a range, or nulls in a float)."""
    bounded = field.min is not None or field.max is not None
    return bounded or (np.dtype(field.dtype).kind == "f" and not field.nullable)
