"""The prediction log: every (sampled) request's inputs and outputs, kept for monitors and audits.

The request path calls :meth:`PredictionLog.submit`, which never blocks: it samples,
masks the contract's PII fields (keyed hash or drop) and queues the record in a
bounded buffer. A writer thread owned by the log writes batches to a sink: rotated
Parquet files in a Hive layout (embedded default, ``<home>/predictions``) or a
PostgreSQL table (production). Build it with :func:`open_prediction_log`, call
``start()`` when serving starts and ``close()`` at shutdown, which writes what was accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inferd._optional import lazy_exports

# Imported on first use: a server's supervisor reads the settings, and needs no numpy for it.
_EXPORTS: dict[str, str] = {
    "PiiMode": "inferd.telemetry.prediction_log.settings",
    "PredictionLog": "inferd.telemetry.prediction_log.log",
    "PredictionLogSettings": "inferd.telemetry.prediction_log.settings",
    "PredictionLogStats": "inferd.telemetry.prediction_log.log",
    "PredictionRecord": "inferd.telemetry.prediction_log.record",
    "PredictionSink": "inferd.telemetry.prediction_log.sink",
    "mask_pii": "inferd.telemetry.prediction_log.masking",
    "new_prediction_id": "inferd.telemetry.prediction_log.ids",
    "open_prediction_log": "inferd.telemetry.prediction_log.log",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from inferd.telemetry.prediction_log.ids import new_prediction_id as new_prediction_id
    from inferd.telemetry.prediction_log.log import PredictionLog as PredictionLog
    from inferd.telemetry.prediction_log.log import PredictionLogStats as PredictionLogStats
    from inferd.telemetry.prediction_log.log import open_prediction_log as open_prediction_log
    from inferd.telemetry.prediction_log.masking import mask_pii as mask_pii
    from inferd.telemetry.prediction_log.record import PredictionRecord as PredictionRecord
    from inferd.telemetry.prediction_log.settings import PiiMode as PiiMode
    from inferd.telemetry.prediction_log.settings import PredictionLogSettings as PredictionLogSettings
    from inferd.telemetry.prediction_log.sink import PredictionSink as PredictionSink

__getattr__ = lazy_exports("inferd.telemetry.prediction_log", _EXPORTS)
