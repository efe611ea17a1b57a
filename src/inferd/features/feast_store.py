"""An adapter to Feast's online store (``feast:///path/to/feature_repo[?view=NAME]``).

Features are Feast references, ``view:feature``; with ``?view=NAME`` in the URL a
bare name means ``NAME:feature``, so a contract's field names can be used as they
are. Keys are passed to Feast as given (Feast's join keys are typed: an int64
key needs int keys). A key is found when Feast has any of its requested
features; its event time is the newest among them. Values come back as Feast
types them (numbers as float64 or int64, strings as objects).

``put`` writes through ``FeatureStore.write_to_online_store`` after reading the
stored event times, so that an older row does not overwrite a newer one (Feast's
own online write overwrites unconditionally). Bulk loading normally belongs to
``feast materialize``; ``put`` is there so that ``inferd features materialize``
and the conformance kit work against Feast too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inferd._optional import require
from inferd.errors import InvalidInputError
from inferd.features.store import FeatureRows, FeatureStoreUnavailableError, check_lookup
from inferd.tensors import Batch

_PRESENT = 1  # feast.serving.FieldStatus.PRESENT


class FeastFeatureStore:
    """Feast's online store, through ``feast.FeatureStore(repo_path)`` (``pip install "inferd[feast]"``)."""

    def __init__(self, repo_path: Path, *, view: str | None = None) -> None:
        self._repo_path = repo_path
        self._view = view
        self._store: Any = None

    def get(self, entity: str, keys: np.ndarray, features: Sequence[str]) -> FeatureRows:
        names = check_lookup(entity, features)
        refs = [self._ref(name) for name in names]
        rows = [{entity: key} for key in np.asarray(keys).tolist()]
        response = self._call(
            lambda: self._feast().get_online_features(
                features=refs, entity_rows=rows, full_feature_names=True
            )
        )
        results = dict(zip(response.proto.metadata.feature_names.val, response.proto.results, strict=True))
        values = response.to_dict()
        columns = {name: ref.replace(":", "__") for name, ref in zip(names, refs, strict=True)}
        present = np.array([[s == _PRESENT for s in results[c].statuses] for c in columns.values()])
        stamps = np.array(
            [[t.seconds + t.nanos / 1e9 for t in results[c].event_timestamps] for c in columns.values()],
            dtype=np.float64,
        )
        found = np.asarray(present.any(axis=0) if len(rows) else np.zeros(0, dtype=bool), dtype=bool)
        times = np.where(present, stamps, -np.inf).max(axis=0, initial=-np.inf)
        return FeatureRows(
            values={name: _column(values[column]) for name, column in columns.items()},
            event_time_s=np.where(found, times, np.nan),
            found=found,
        )

    def put(self, entity: str, keys: np.ndarray, values: Batch, event_time_s: np.ndarray) -> int:
        times = np.asarray(event_time_s, dtype=np.float64)
        by_view: dict[str, dict[str, np.ndarray]] = {}
        for name, array in values.items():
            view, _, feature = self._ref(name).partition(":")
            by_view.setdefault(view, {})[feature] = np.asarray(array)
        written = np.zeros(len(times), dtype=bool)
        for view, columns in by_view.items():
            written |= self._put_view(entity, view, np.asarray(keys), columns, times)
        return int(written.sum())

    def _put_view(
        self, entity: str, view: str, keys: np.ndarray, columns: dict[str, np.ndarray], times: np.ndarray
    ) -> np.ndarray:
        """Write one feature view's rows that are not older than the stored ones; Feast needs every
        feature of the view in a write, so the ones not given keep their stored values."""
        pandas = require("pandas", "feast")
        definition = self._call(lambda: self._feast().get_feature_view(view))
        every = [field.name for field in definition.features]
        stored = self.get(entity, keys, [f"{view}:{name}" for name in every])
        newer = ~(stored.event_time_s > times)
        frame = pandas.DataFrame({entity: keys[newer]})
        for name in every:
            column = columns.get(name, stored.values[f"{view}:{name}"])
            frame[name] = column[newer]
        timestamp_field = definition.batch_source.timestamp_field or "event_timestamp"
        frame[timestamp_field] = pandas.to_datetime(times[newer], unit="s", utc=True)
        if len(frame):
            self._call(lambda: self._feast().write_to_online_store(view, frame))
        return np.asarray(newer, dtype=bool)

    def feature_dtypes(self, entity: str) -> dict[str, str]:
        """``view:feature`` -> Feast type name, for every feature view keyed by ``entity``."""
        views = self._call(lambda: self._feast().list_feature_views())
        return {
            f"{view.name}:{field.name}": str(field.dtype)
            for view in views
            if entity in {column.name for column in view.entity_columns}
            for field in view.features
        }

    def close(self) -> None:
        self._store = None

    def _ref(self, name: str) -> str:
        if ":" in name:
            return name
        if self._view is None:
            raise InvalidInputError(
                f"feature {name!r} names no Feast feature view; write 'view:{name}' "
                "or open the store as feast:///repo?view=NAME"
            )
        return f"{self._view}:{name}"

    def _feast(self) -> Any:
        if self._store is None:
            feast = require("feast", "feast")
            self._store = self._call(lambda: feast.FeatureStore(repo_path=str(self._repo_path)))
        return self._store

    def _call(self, call: Any) -> Any:
        try:
            return call()
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise FeatureStoreUnavailableError(
                f"feature store feast://{self._repo_path} is unavailable: {exc}"
            ) from exc


def _column(values: list[Any]) -> np.ndarray:
    """Feast's Python values as a numpy column: numbers with a gap become float64 with NaN."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return np.array(values, dtype=bool if len(present) == len(values) else object)
    if present and all(isinstance(v, int | float) for v in present):
        if len(present) == len(values) and all(isinstance(v, int) for v in present):
            return np.array(values, dtype=np.int64)
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(values, dtype=object)
