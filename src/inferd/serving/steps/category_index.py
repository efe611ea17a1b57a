"""CategoryIndex: the position of each value among a fixed list of categories, for a whole column at once.

Values are looked up with one ``searchsorted`` over the sorted categories, so a
column is encoded in a handful of numpy calls whatever its length. Strings match
``str``, ``bytes`` (UTF-8) and numpy string arrays alike; numbers match numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inferd.serving.steps.step_config import Scalar


class CategoryIndex:
    """Maps values to their 0-based position in ``categories``; reports which values are unknown."""

    def __init__(self, categories: Sequence[Scalar]) -> None:
        self.categories = tuple(categories)
        self.is_text = all(isinstance(c, str) for c in self.categories)
        if self.is_text:
            table = np.asarray(self.categories, dtype=np.str_)
        else:
            table = np.asarray(self.categories, dtype=np.float64)
        self._order = np.argsort(table, kind="stable")
        self._sorted = table[self._order]
        self._sorted_bytes = np.char.encode(self._sorted, "utf-8") if self.is_text else self._sorted

    def lookup(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, known)``: each value's position (0 where unknown) and whether it is a category.

        Raises ``TypeError`` when ``values`` cannot be compared with the categories.
        """
        keys, table = self._comparable(values)
        slots = np.searchsorted(table, keys)
        np.minimum(slots, len(table) - 1, out=slots)
        known = table[slots] == keys
        codes = self._order[slots]
        return np.where(known, codes, 0) if not known.all() else codes, known

    def describe(self) -> str:
        shown = ", ".join(str(c) for c in self.categories[:10])
        return shown + (f", ... ({len(self.categories)} in all)" if len(self.categories) > 10 else "")

    def _comparable(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kind = values.dtype.kind
        if not self.is_text:
            if kind not in "biuf":
                raise TypeError(f"{values.dtype} values cannot match numeric categories")
            return values, self._sorted
        if kind == "U":
            return values, self._sorted
        if kind == "S":
            return values, self._sorted_bytes
        if kind == "O" and len(values) and isinstance(values.flat[0], bytes):
            return values.astype(np.bytes_), self._sorted_bytes
        if kind == "O":
            return values.astype(np.str_), self._sorted
        raise TypeError(f"{values.dtype} values cannot match text categories")
