"""PII masking: hash or drop the fields a contract marks ``pii`` before anything is kept.

Mode ``"hash"`` replaces each value with the first 32 hex digits of
HMAC-SHA256(key, canonical bytes of the value): the same value under the same key
always gives the same text, so logged rows still join and group on it, but without
the key nobody can test guesses (a card number has too few digits to hide behind a
plain hash). Mode ``"drop"`` leaves the column out. Columns without PII pass through
untouched (the same array objects, no copy).

Canonical bytes are the value's text, so ``"4111111111111111"`` and the integer
4111111111111111 hash alike: strings as UTF-8, bytes as they are, integers in
decimal, floats as Python's shortest round-trip ``repr`` of their value, booleans as
``true``/``false``. Nulls (``None``) stay null: absence is not personal data.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log.settings import PII_KEY_VARIABLE, PII_MODES, PiiMode

HASH_HEX_DIGITS = 32


def mask_pii(
    columns: Mapping[str, npt.NDArray[np.generic]],
    pii_fields: frozenset[str],
    mode: PiiMode,
    key: str | bytes | None,
) -> dict[str, npt.NDArray[np.generic]]:
    """A copy of ``columns`` with every column named in ``pii_fields`` hashed or dropped.

    Hashed columns become object arrays of hex strings of the same shape. Raises
    :class:`InvalidInputError` for an unknown mode, or for mode ``"hash"`` without a key.
    """
    if mode not in PII_MODES:
        raise InvalidInputError(f"PII mode {mode!r} is not one of {', '.join(PII_MODES)}")
    if not pii_fields.intersection(columns):
        return dict(columns)
    if mode == "drop":
        return {name: values for name, values in columns.items() if name not in pii_fields}
    secret = pii_key_bytes(key)
    return {
        name: hash_values(values, secret) if name in pii_fields else values
        for name, values in columns.items()
    }


def hash_values(values: npt.NDArray[np.generic], key: bytes) -> npt.NDArray[np.object_]:
    """Each element of ``values`` as its keyed hash (hex text), ``None`` kept; same shape."""
    hashed = [None if value is None else _digest(key, value) for value in values.ravel().tolist()]
    out = np.empty(len(hashed), dtype=object)
    out[:] = hashed
    return out.reshape(values.shape)


def _digest(key: bytes, value: object) -> str:
    return hmac.digest(key, canonical_bytes(value), "sha256")[: HASH_HEX_DIGITS // 2].hex()


def canonical_bytes(value: object) -> bytes:
    """The bytes a value is hashed as: its text, so that equal values in any dtype hash alike."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, float):
        return repr(value).encode()
    return str(value).encode()


def pii_key_bytes(key: str | bytes | None) -> bytes:
    """The hashing key as bytes; raises :class:`InvalidInputError` saying how to set one if missing."""
    if not key:
        raise InvalidInputError(
            f"hashing PII needs a secret key: set {PII_KEY_VARIABLE} (for example to the output of "
            "`openssl rand -hex 32`), or set INFERD_PREDICTION_LOG_PII_MODE=drop to leave PII fields out"
        )
    return key.encode() if isinstance(key, str) else key
