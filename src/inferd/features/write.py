"""A validated write: canonical keys, event times and the text form of every feature value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inferd.errors import InvalidInputError
from inferd.features.column import encode, merged_dtype, storage_dtype
from inferd.features.keys import canonical_keys
from inferd.tensors import Batch

# The field that holds a row's event time beside its features (a feature may not take the name).
EVENT_TIME_FIELD = "__event_time_s"


@dataclass(frozen=True)
class FeatureWrite:
    """The rows of one ``put``, checked and encoded, ready for a backend to store."""

    entity: str
    keys: list[str]
    event_time_s: list[float]
    dtypes: dict[str, str]
    texts: dict[str, list[str | None]]

    @classmethod
    def build(cls, entity: str, keys: np.ndarray, values: Batch, event_time_s: np.ndarray) -> FeatureWrite:
        if not entity:
            raise InvalidInputError("the entity name is empty; name the key field, e.g. 'customer_id'")
        names = canonical_keys(keys)
        times = np.asarray(event_time_s, dtype=np.float64)
        _check_lengths(len(names), values, times)
        if not np.isfinite(times).all():
            row = int(np.flatnonzero(~np.isfinite(times))[0])
            raise InvalidInputError(f"event time at row {row} is {times[row]}; every row needs a time")
        dtypes, texts = {}, {}
        for feature, array in values.items():
            _check_name(feature, entity)
            column = np.asarray(array)
            dtypes[feature] = storage_dtype(column, feature)
            texts[feature] = encode(column)
        return cls(entity, names, times.tolist(), dtypes, texts)

    def merged_dtypes(self, stored: dict[str, str]) -> dict[str, str]:
        """The dtypes the written features keep, given those already stored for the entity."""
        return {name: merged_dtype(stored.get(name), dtype, name) for name, dtype in self.dtypes.items()}


def _check_lengths(n_keys: int, values: Batch, times: np.ndarray) -> None:
    if times.shape != (n_keys,):
        raise InvalidInputError(f"event_time_s has shape {times.shape}; expected ({n_keys},), one per key")
    for feature, array in values.items():
        if np.ndim(array) != 1 or len(array) != n_keys:
            raise InvalidInputError(
                f"feature {feature!r} has shape {np.shape(array)}; expected ({n_keys},), one value per key"
            )


def _check_name(feature: str, entity: str) -> None:
    if not feature or feature == EVENT_TIME_FIELD:
        raise InvalidInputError(f"feature name {feature!r} is reserved or empty (entity {entity!r})")
