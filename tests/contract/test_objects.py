"""Classifying object arrays' elements when they are not plain Python values (numpy scalars, pandas' NA)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from inferd.contract.objects import ObjectKinds


def test_numpy_scalars_and_pandas_missing_values_are_classified_like_plain_values() -> None:
    # What a pandas DataFrame's .to_numpy() or a numpy record hands over: no plain str, int or None.
    values = [np.str_("a"), np.bytes_(b"b"), np.int16(3), np.uint8(4), np.float32(np.nan)]
    values += [pd.NA, pd.NaT, None, 2.5]
    objects = np.empty(len(values), dtype=object)
    objects[:] = values
    kinds = ObjectKinds.of(objects)
    assert kinds.text.tolist() == [True, True, False, False, False, False, False, False, False]
    assert kinds.numbers.tolist() == [False, False, True, True, False, False, False, False, True]
    assert kinds.nulls.tolist() == [False, False, False, False, True, True, True, True, False]


def test_a_value_of_no_known_kind_is_neither_null_text_nor_number() -> None:
    objects = np.empty(2, dtype=object)
    objects[:] = [{"a": 1}, "x"]
    kinds = ObjectKinds.of(objects)
    assert (kinds.nulls.tolist(), kinds.text.tolist(), kinds.numbers.tolist()) == (
        [False, False],
        [False, True],
        [False, False],
    )
