"""Splitting a request's rows into cached and missing ones, and merging the outputs back in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from inferd.errors import InferdError
from inferd.serving.cache.prediction_cache import PredictionCache
from inferd.tensors import Batch, batch_rows


def split_hits(
    cache: PredictionCache, keys: Sequence[bytes], n_rows: int
) -> tuple[dict[int, Batch], list[int]]:
    """Look every row's key up at once: the rows found (by row index) and the indices missing, ascending."""
    if len(keys) != n_rows:
        raise InferdError(f"split_hits: {len(keys)} keys for {n_rows} rows")
    hits: dict[int, Batch] = {}
    misses: list[int] = []
    for index, row in enumerate(cache.get_many(keys)):
        if row is None:
            misses.append(index)
        else:
            hits[index] = row
    return hits, misses


def merge_rows(
    n_rows: int, hits: Mapping[int, Batch], miss_outputs: Batch, miss_indices: Sequence[int]
) -> Batch:
    """The outputs of all ``n_rows`` rows in request order.

    ``hits`` maps a row index to its cached outputs (one-row arrays);
    ``miss_outputs`` holds the model's outputs for the rows ``miss_indices``, in
    that order. Together they must cover every row exactly once. The result owns
    its arrays (cached arrays are copied, never handed out).
    """
    if len(hits) + len(miss_indices) != n_rows:
        raise InferdError(f"merge_rows: {len(hits)} hits and {len(miss_indices)} misses for {n_rows} rows")
    if not hits:
        if list(miss_indices) == list(range(n_rows)):
            return dict(miss_outputs)
        return _merged(n_rows, [], hits, miss_outputs, miss_indices)
    if not miss_indices:
        return _all_hits(n_rows, hits)
    return _merged(n_rows, sorted(hits), hits, miss_outputs, miss_indices)


def _all_hits(n_rows: int, hits: Mapping[int, Batch]) -> Batch:
    try:
        if n_rows == 1:
            return {name: array.copy() for name, array in hits[0].items()}
        rows = [hits[index] for index in range(n_rows)]
        return {name: np.concatenate([row[name] for row in rows]) for name in rows[0]}
    except KeyError as exc:
        raise InferdError(f"merge_rows: no outputs for row or output {exc}") from exc
    except ValueError as exc:
        raise InferdError(f"merge_rows: cached rows do not stack: {exc}") from exc


def _merged(
    n_rows: int,
    hit_indices: list[int],
    hits: Mapping[int, Batch],
    miss_outputs: Batch,
    miss_indices: Sequence[int],
) -> Batch:
    if batch_rows(miss_outputs) != len(miss_indices):
        raise InferdError(
            f"merge_rows: the model gave {batch_rows(miss_outputs)} rows for {len(miss_indices)} misses"
        )
    order = np.asarray([*hit_indices, *miss_indices], dtype=np.intp)
    if order.min() < 0 or order.max() >= n_rows or len(np.unique(order)) != n_rows:
        raise InferdError(f"merge_rows: the row indices do not cover 0..{n_rows - 1} exactly once")
    position = np.empty(n_rows, dtype=np.intp)
    position[order] = np.arange(n_rows)
    try:
        return {
            name: np.concatenate([*(hits[i][name] for i in hit_indices), computed])[position]
            for name, computed in miss_outputs.items()
        }
    except KeyError as exc:
        raise InferdError(f"merge_rows: a cached row has no output {exc}") from exc
    except ValueError as exc:
        raise InferdError(f"merge_rows: cached and computed rows do not stack: {exc}") from exc
