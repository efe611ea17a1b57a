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


class PiiMasker:
    """Masks the PII columns of batches with one mode and key (the key's HMAC state prepared once).

    Raises :class:`InvalidInputError` for an unknown mode, or for mode ``"hash"`` without a key.
    """

    def __init__(self, mode: PiiMode, key: str | bytes | None) -> None:
        if mode not in PII_MODES:
            raise InvalidInputError(f"PII mode {mode!r} is not one of {', '.join(PII_MODES)}")
        self.mode = mode
        # Copying a keyed HMAC costs half of keying a new one per value.
        self._hmac = hmac.new(pii_key_bytes(key), digestmod="sha256") if mode == "hash" else None

    def mask(
        self, columns: Mapping[str, npt.NDArray[np.generic]], pii_fields: frozenset[str]
    ) -> dict[str, npt.NDArray[np.generic]]:
        """A copy of ``columns`` with every column named in ``pii_fields`` hashed or dropped."""
        keyed = self._hmac
        if keyed is None:
            return {name: values for name, values in columns.items() if name not in pii_fields}
        return {
            name: _hashed(values, keyed) if name in pii_fields else values for name, values in columns.items()
        }


def _hashed(values: npt.NDArray[np.generic], keyed: hmac.HMAC) -> npt.NDArray[np.object_]:
    """Each element of ``values`` as its keyed hash (hex text), ``None`` kept; same shape."""
    hashed = np.array(
        [None if value is None else _digest(keyed, value) for value in values.ravel().tolist()], dtype=object
    )  # hex strings and None: numpy cannot mistake them for nested sequences
    return hashed if values.ndim == 1 else hashed.reshape(values.shape)


def _digest(keyed: hmac.HMAC, value: object) -> str:
    digest = keyed.copy()
    digest.update(canonical_bytes(value))
    return digest.digest()[: HASH_HEX_DIGITS // 2].hex()


def mask_pii(
    columns: Mapping[str, npt.NDArray[np.generic]],
    pii_fields: frozenset[str],
    mode: PiiMode,
    key: str | bytes | None,
) -> dict[str, npt.NDArray[np.generic]]:
    """A copy of ``columns`` with every column named in ``pii_fields`` hashed or dropped.

    Hashed columns become object arrays of hex strings of the same shape; other
    columns are the same array objects. Raises :class:`InvalidInputError` for an
    unknown mode, or for mode ``"hash"`` without a key.
    """
    return PiiMasker(mode, key).mask(columns, pii_fields)


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
