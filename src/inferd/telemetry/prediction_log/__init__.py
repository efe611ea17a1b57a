"""The prediction log: every (sampled) request's inputs and outputs, kept for monitors and audits.

The request path calls :meth:`PredictionLog.submit`, which never blocks: it samples,
masks the contract's PII fields (keyed hash or drop) and queues the record in a
bounded buffer. A writer thread owned by the log writes batches to a sink: rotated
Parquet files in a Hive layout (embedded default, ``<home>/predictions``) or a
PostgreSQL table (production). Build it with :func:`open_prediction_log`, call
``start()`` when serving starts and ``close()`` at shutdown, which writes what was accepted.
"""

from inferd.telemetry.prediction_log.ids import new_prediction_id
from inferd.telemetry.prediction_log.log import PredictionLog, PredictionLogStats, open_prediction_log
from inferd.telemetry.prediction_log.masking import mask_pii
from inferd.telemetry.prediction_log.record import PredictionRecord
from inferd.telemetry.prediction_log.settings import PiiMode, PredictionLogSettings
from inferd.telemetry.prediction_log.sink import PredictionSink

__all__ = [
    "PiiMode",
    "PredictionLog",
    "PredictionLogSettings",
    "PredictionLogStats",
    "PredictionRecord",
    "PredictionSink",
    "mask_pii",
    "new_prediction_id",
    "open_prediction_log",
]
