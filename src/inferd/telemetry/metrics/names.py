"""Metric names, label sets and buckets: the contract with dashboards, alerts and ``inferd slo``.

Names follow Prometheus conventions (base units, ``_total`` for counters). Label
values are bounded: models and versions are the served ones (``""`` for a request
that named no served model), stages and reasons come from the fixed sets below,
classes are capped per output (see ``MAX_CLASSES``).
"""

from __future__ import annotations

from inferd.telemetry.slo import REQUEST_DURATION_BUCKETS_S as REQUEST_DURATION_BUCKETS_S

REQUESTS = "inferd_requests_total"
REQUEST_DURATION = "inferd_request_duration_seconds"
IN_FLIGHT = "inferd_requests_in_flight"
STAGE_DURATION = "inferd_stage_duration_seconds"
BATCH_SIZE = "inferd_batch_size_rows"
QUEUE_DEPTH = "inferd_queue_depth_rows"
MODEL_CALLS = "inferd_model_calls_total"
REJECTED = "inferd_rejected_requests_total"
CACHE_LOOKUPS = "inferd_cache_lookups_total"
FEATURE_AGE = "inferd_feature_age_seconds"
FEATURE_FALLBACKS = "inferd_feature_fallbacks_total"
DEGRADED = "inferd_degraded_responses_total"
BREAKER_STATE = "inferd_circuit_breaker_state"
MODEL_LOADED = "inferd_model_loaded"
MODEL_LOAD_DURATION = "inferd_model_load_duration_seconds"
MODEL_WARMUP_DURATION = "inferd_model_warmup_duration_seconds"
MODEL_LOAD_FAILURES = "inferd_model_load_failures_total"
PREDICTION_SCORE = "inferd_prediction_score"
PREDICTION_VALUE = "inferd_prediction_value"
PREDICTED_CLASS = "inferd_predicted_class_total"
COST = "inferd_inference_cost_dollars"
PRICE = "inferd_replica_price_dollars_per_hour"
THROUGHPUT = "inferd_throughput_inferences_per_second"
RESIDENT_MEMORY = "inferd_process_resident_memory_bytes"
PREDICTION_LOG_RECORDS = "inferd_prediction_log_records_total"
BUILD_INFO = "inferd_build_info"

#: The pipeline's stages, in the order a request meets them.
STAGES = ("features", "validate", "preprocess", "cache", "queue", "model", "postprocess")
#: Circuit breaker states as gauge values.
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
#: Beyond this many distinct classes an output's further classes count as "other".
MAX_CLASSES = 50

STAGE_BUCKETS_S = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
SCORE_BUCKETS = tuple(round(0.05 * i, 2) for i in range(1, 21))
# Regression outputs of unknown scale: decades on both sides of zero.
_DECADES = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0)
VALUE_BUCKETS = (*(-d for d in reversed(_DECADES)), 0.0, *_DECADES)
FEATURE_AGE_BUCKETS_S = (1.0, 10.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 86_400.0, 7 * 86_400.0)
