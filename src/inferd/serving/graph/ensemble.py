"""Ensemble combiners: one output of several members made into one, vectorised over rows.

Members' arrays are stacked on a new first axis (members, rows, ...) and reduced
over it; nothing loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inferd.errors import InferdError


def combine(
    method: str, arrays: Sequence[np.ndarray], weights: Sequence[float] | None, where: str
) -> np.ndarray:
    """Combine ``arrays`` (one a member, same shape) by ``method``.

    ``average`` and ``weighted_average`` keep the members' dtype; ``majority_vote``
    picks, per element, the label with the most (weighted) votes, ties going to
    the label of the earliest member among the tied ones.
    """
    stacked = _stack(arrays, where)
    if method == "average":
        return np.asarray(stacked.mean(axis=0), dtype=stacked.dtype)
    if method == "weighted_average":
        assert weights is not None
        w = np.asarray(weights, dtype=np.float64)
        return np.asarray(np.tensordot(w / w.sum(), stacked, axes=1), dtype=stacked.dtype)
    if method == "majority_vote":
        return majority_vote(stacked, weights)
    raise InferdError(f"{where}: unknown ensemble method {method!r}")


def majority_vote(stacked: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """Per element of ``stacked[0]``, the value most members (by weight) agree on.

    ``votes[j]`` is the weight of all members that agree with member ``j``;
    ``argmax`` returns the first maximum, so ties go to the earliest member.
    The cost is members² comparisons of whole arrays, fine for a handful of members.
    """
    members = stacked.shape[0]
    w = np.ones(members) if weights is None else np.asarray(weights, dtype=np.float64)
    agree = np.stack([np.asarray(stacked == stacked[j], dtype=bool) for j in range(members)])
    votes = np.tensordot(w, agree, axes=(0, 1))  # (members j, rows, ...)
    winner = votes.argmax(axis=0)
    chosen: np.ndarray = np.take_along_axis(stacked, winner[np.newaxis], axis=0)[0]
    return chosen


def _stack(arrays: Sequence[np.ndarray], where: str) -> np.ndarray:
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) != 1:
        raise InferdError(f"{where}: members returned arrays of different shapes {sorted(shapes)}")
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) != 1:
        raise InferdError(f"{where}: members returned different dtypes {sorted(str(d) for d in dtypes)}")
    return np.stack(arrays)
