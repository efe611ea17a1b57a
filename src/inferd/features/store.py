"""The FeatureStore interface, what a lookup returns, and the error a store that is down raises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inferd.errors import InvalidInputError, NotFoundError, UnavailableError
from inferd.features.column import Text, decode
from inferd.tensors import Batch


class FeatureStoreUnavailableError(UnavailableError):
    """The online feature store cannot be reached or did not answer in time (503 / UNAVAILABLE)."""


@dataclass(frozen=True)
class FeatureRows:
    """The features of a batch of keys, aligned with the keys asked for.

    ``values`` holds one array per requested feature; a key the store does not
    know reads as ``NaN`` (numbers), ``None`` (strings, booleans) or ``NaT``
    (datetimes), and so does a feature that a found row lacks.
    ``event_time_s`` is each row's event time in epoch seconds (``NaN`` when
    not found) and ``found`` says which keys the store knows.
    """

    values: Batch
    event_time_s: np.ndarray
    found: np.ndarray

    @classmethod
    def from_stored(
        cls,
        inverse: np.ndarray,
        event_time_s: Sequence[float | None],
        columns: dict[str, list[Text | None]],
        dtypes: dict[str, str | None],
    ) -> FeatureRows:
        """Decode rows fetched for distinct keys and spread them back over the keys asked for.

        ``inverse[i]`` is the position among the distinct keys of the i-th key asked for.
        """
        times = np.array([np.nan if t is None else t for t in event_time_s], dtype=np.float64)
        values = {name: decode(texts, dtypes[name] or "float64")[inverse] for name, texts in columns.items()}
        return cls(values=values, event_time_s=times[inverse], found=~np.isnan(times)[inverse])


class FeatureStore(Protocol):
    """An online feature store: features by entity key, each row stamped with its event time.

    Implementations: ``SQLiteFeatureStore`` (embedded default), ``RedisFeatureStore``
    (production) and ``FeastFeatureStore`` (Feast's online store); choose one with
    :func:`inferd.features.open_feature_store`. ``inferd.testing.check_feature_store``
    checks a new one against this contract.
    """

    def get(self, entity: str, keys: np.ndarray, features: Sequence[str]) -> FeatureRows:
        """The ``features`` of every key, in one round trip to the store.

        Raises FeatureStoreUnavailableError when the store is down or slower than
        its timeout, NotFoundError for a feature the entity has never had.
        """
        ...

    def put(self, entity: str, keys: np.ndarray, values: Batch, event_time_s: np.ndarray) -> int:
        """Upsert rows; a row older than the stored one is left as it is. Returns the rows written."""
        ...

    def feature_dtypes(self, entity: str) -> dict[str, str]:
        """The features stored for ``entity`` with their dtype names (empty when it has none)."""
        ...

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
        ...


def check_lookup(entity: str, features: Sequence[str]) -> list[str]:
    """The requested feature names as a list, after checking the request's shape."""
    if not entity:
        raise InvalidInputError("the entity name is empty; name the key field, e.g. 'customer_id'")
    if isinstance(features, str):
        raise InvalidInputError(f"features must be a list of names, not the string {features!r}")
    names = list(features)
    if not names:
        raise InvalidInputError(f"no features requested for entity {entity!r}")
    return names


def requested_dtypes(entity: str, names: list[str], dtypes: dict[str, str]) -> dict[str, str | None]:
    """Each requested feature's stored dtype.

    An entity with no rows yet knows no feature and refuses none (every key is
    simply not found); one that has rows refuses a feature it never had, naming it.
    """
    unknown = [name for name in names if name not in dtypes]
    if unknown and dtypes:
        raise NotFoundError(
            f"entity {entity!r} has no feature {unknown[0]!r} in the feature store "
            f"(it has: {', '.join(sorted(dtypes))})"
        )
    return {name: dtypes.get(name) for name in names}
