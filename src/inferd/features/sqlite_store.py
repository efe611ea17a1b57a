"""The embedded online feature store: one SQLite file in WAL mode.

Layout: ``feature_rows(entity, key, event_time_s, features)`` holds one row per
(entity, key), its features a JSON object of feature name -> stored text (see
``column``), absent when missing; ``feature_dtypes(entity, feature, dtype)``
holds each feature's dtype. A lookup reads all its keys with one query
(``key IN (SELECT value FROM json_each(?))``, however many keys). A write merges
new features into the stored row unless the stored row is newer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from inferd.features.column import Text
from inferd.features.keys import canonical_keys
from inferd.features.store import FeatureRows, FeatureStoreUnavailableError, check_lookup, requested_dtypes
from inferd.features.write import FeatureWrite
from inferd.tensors import Batch

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feature_rows (
    entity TEXT NOT NULL, key TEXT NOT NULL, event_time_s REAL NOT NULL, features TEXT NOT NULL,
    PRIMARY KEY (entity, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feature_dtypes (
    entity TEXT NOT NULL, feature TEXT NOT NULL, dtype TEXT NOT NULL,
    PRIMARY KEY (entity, feature)
) WITHOUT ROWID;
"""
_SELECT_ROWS = (
    "SELECT key, event_time_s, features FROM feature_rows "
    "WHERE entity = ? AND key IN (SELECT value FROM json_each(?))"
)
_UPSERT_ROW = (
    "INSERT INTO feature_rows (entity, key, event_time_s, features) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (entity, key) DO UPDATE SET "
    "event_time_s = excluded.event_time_s, features = excluded.features"
)
_UPSERT_DTYPE = (
    "INSERT INTO feature_dtypes (entity, feature, dtype) VALUES (?, ?, ?) "
    "ON CONFLICT (entity, feature) DO UPDATE SET dtype = excluded.dtype"
)

StoredRow = tuple[float, dict[str, str]]


class SQLiteFeatureStore:
    """Features in a SQLite file (``sqlite:///path``); safe to share between threads."""

    def __init__(self, path: Path, *, timeout_s: float = 0.2) -> None:
        self._path = path
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def get(self, entity: str, keys: np.ndarray, features: Sequence[str]) -> FeatureRows:
        names = check_lookup(entity, features)
        distinct, inverse = np.unique(np.asarray(canonical_keys(keys), dtype=object), return_inverse=True)
        with self._lock:
            conn = self._connection()
            dtypes = self._dtypes(conn, entity)
            stored = self._rows(conn, entity, distinct.tolist())
        wanted = requested_dtypes(entity, names, dtypes)
        rows = [stored.get(key) for key in distinct.tolist()]
        columns: dict[str, list[Text | None]] = {
            name: [None if row is None else row[1].get(name) for row in rows] for name in names
        }
        times = [None if row is None else row[0] for row in rows]
        return FeatureRows.from_stored(inverse.reshape(-1), times, columns, wanted)

    def put(self, entity: str, keys: np.ndarray, values: Batch, event_time_s: np.ndarray) -> int:
        write = FeatureWrite.build(entity, keys, values, event_time_s)
        with self._lock:
            conn = self._connection()
            try:
                with conn:
                    conn.execute("BEGIN IMMEDIATE")
                    return self._write(conn, write)
            except sqlite3.OperationalError as exc:
                raise self._unavailable(exc) from exc

    def feature_dtypes(self, entity: str) -> dict[str, str]:
        with self._lock:
            return self._dtypes(self._connection(), entity)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _write(self, conn: sqlite3.Connection, write: FeatureWrite) -> int:
        merged = write.merged_dtypes(self._dtypes(conn, write.entity))
        conn.executemany(_UPSERT_DTYPE, [(write.entity, name, dtype) for name, dtype in merged.items()])
        stored = self._rows(conn, write.entity, sorted(set(write.keys)))
        updates: dict[str, StoredRow] = {}
        written = 0
        for row, key in enumerate(write.keys):
            current = updates.get(key) or stored.get(key)
            time_s = write.event_time_s[row]
            if current is not None and current[0] > time_s:
                continue  # an older row never overwrites a newer one: re-materialising is idempotent
            features = dict(current[1]) if current is not None else {}
            for name, texts in write.texts.items():
                _set(features, name, texts[row])
            updates[key] = (time_s, features)
            written += 1
        conn.executemany(
            _UPSERT_ROW, [(write.entity, key, t, json.dumps(f)) for key, (t, f) in updates.items()]
        )
        return written

    def _rows(self, conn: sqlite3.Connection, entity: str, keys: list[str]) -> dict[str, StoredRow]:
        cursor = self._execute(conn, _SELECT_ROWS, (entity, json.dumps(keys)))
        return {key: (time_s, json.loads(text)) for key, time_s, text in cursor.fetchall()}

    def _dtypes(self, conn: sqlite3.Connection, entity: str) -> dict[str, str]:
        cursor = self._execute(conn, "SELECT feature, dtype FROM feature_dtypes WHERE entity = ?", (entity,))
        return dict(cursor.fetchall())

    def _execute(self, conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            return conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise self._unavailable(exc) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self._path, timeout=self._timeout_s, check_same_thread=False, isolation_level=None
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
            except (sqlite3.Error, OSError) as exc:
                raise self._unavailable(exc) from exc
            self._conn = conn
        return self._conn

    def _unavailable(self, exc: BaseException) -> FeatureStoreUnavailableError:
        return FeatureStoreUnavailableError(f"feature store sqlite:///{self._path} is unavailable: {exc}")


def _set(features: dict[str, str], name: str, text: str | None) -> None:
    if text is None:
        features.pop(name, None)
    else:
        features[name] = text
