"""Settings of the prediction log: where it writes, what it samples, how it masks PII.

Built once at the edge (``PredictionLogSettings.from_environment()`` reads the
``INFERD_PREDICTION_LOG*`` variables) and handed to :func:`open_prediction_log`.
Every bound (buffer, flush interval, rotation) is a field with its unit in the name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal, cast

from inferd.config import ENV_PREFIX, env_str
from inferd.errors import InvalidInputError

PiiMode = Literal["hash", "drop"]
PII_MODES: tuple[PiiMode, ...] = ("hash", "drop")

PII_KEY_VARIABLE = f"{ENV_PREFIX}PREDICTION_LOG_PII_KEY"
# The variable each field is read from, so that errors name what the user set.
ENV_VARIABLES = {
    "sink": f"{ENV_PREFIX}PREDICTION_LOG",
    "sample_rate": f"{ENV_PREFIX}PREDICTION_LOG_SAMPLE_RATE",
    "pii_mode": f"{ENV_PREFIX}PREDICTION_LOG_PII_MODE",
    "pii_key": PII_KEY_VARIABLE,
}
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?")


class SettingError(InvalidInputError):
    """One field of :class:`PredictionLogSettings` is out of range; ``field`` names it."""

    def __init__(self, field_name: str, value: object, reason: str) -> None:
        super().__init__(f"prediction log setting {field_name}={value!r} {reason}")
        self.field_name = field_name
        self.value = value
        self.reason = reason


@dataclass(frozen=True)
class PredictionLogSettings:
    """Where and how the prediction log writes.

    ``sink``: ``""`` turns the log off; ``"parquet"`` writes rotated Parquet files under
    ``<home>/predictions/``; a folder path or ``file://`` URL writes Parquet there; a
    ``postgresql://`` URL writes one table (``table``) in that database.
    ``sample_rate`` is the fraction of requests logged, each request whole or not at all.
    ``pii_mode`` says what happens to fields a contract marks ``pii``: ``"hash"`` keeps a
    keyed HMAC-SHA256 of each value (joinable, not reversible without ``pii_key``),
    ``"drop"`` leaves the column out. ``buffer_records`` bounds the in-memory queue in
    requests; beyond it requests are dropped and counted. The writer flushes every
    ``flush_interval_s``; Parquet files close after ``rotate_s`` or ``rotate_rows``.
    """

    sink: str = ""
    sample_rate: float = 1.0
    pii_mode: PiiMode = "hash"
    pii_key: str | None = field(default=None, repr=False)  # a secret: never in a repr or a log line
    buffer_records: int = 10_000
    flush_interval_s: float = 1.0
    rotate_s: float = 300.0
    rotate_rows: int = 1_000_000
    table: str = "inferd_predictions"

    def __post_init__(self) -> None:
        if not 0.0 <= self.sample_rate <= 1.0:
            raise SettingError("sample_rate", self.sample_rate, "must be between 0 and 1")
        if self.pii_mode not in PII_MODES:
            raise SettingError("pii_mode", self.pii_mode, f"must be one of {', '.join(PII_MODES)}")
        if self.pii_key == "":
            raise SettingError("pii_key", "", "is empty; give a secret or leave it unset")
        for name in ("buffer_records", "rotate_rows"):
            if getattr(self, name) < 1:
                raise SettingError(name, getattr(self, name), "must be at least 1")
        for name in ("flush_interval_s", "rotate_s"):
            if not getattr(self, name) > 0:
                raise SettingError(name, getattr(self, name), "must be above 0")
        if not _TABLE_NAME.fullmatch(self.table):
            raise SettingError("table", self.table, "must be a SQL name such as inferd_predictions")

    @property
    def is_enabled(self) -> bool:
        """Whether a sink is configured at all."""
        return bool(self.sink)

    @classmethod
    def from_environment(cls) -> PredictionLogSettings:
        """Settings from the environment; unset or empty variables keep the defaults.

        ``INFERD_PREDICTION_LOG`` (the sink), ``INFERD_PREDICTION_LOG_SAMPLE_RATE``,
        ``INFERD_PREDICTION_LOG_PII_MODE``, ``INFERD_PREDICTION_LOG_PII_KEY``. Errors name the variable.
        """
        sample_rate = env_str("PREDICTION_LOG_SAMPLE_RATE")
        try:
            return cls(
                sink=env_str("PREDICTION_LOG", "") or "",
                sample_rate=1.0 if sample_rate is None else _parse_float("sample_rate", sample_rate),
                pii_mode=cast(PiiMode, (env_str("PREDICTION_LOG_PII_MODE") or "hash").lower()),
                pii_key=env_str("PREDICTION_LOG_PII_KEY"),
            )
        except SettingError as exc:
            variable = ENV_VARIABLES[exc.field_name]
            shown = "<hidden>" if exc.field_name == "pii_key" else os.environ.get(variable, "")
            raise InvalidInputError(f"{variable}={shown!r} {exc.reason}") from exc


def _parse_float(field_name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingError(field_name, raw, "is not a number") from exc
