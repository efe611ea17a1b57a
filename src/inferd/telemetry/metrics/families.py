"""The metric objects of one process, made on demand (never at import time) into a private registry."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from inferd.telemetry.metrics import names


@dataclass(frozen=True)
class Families:
    """Every metric family a server process records; gauges say how workers combine (multi-process)."""

    requests: Counter
    request_duration: Histogram
    in_flight: Gauge
    stage_duration: Histogram
    batch_size: Histogram
    queue_depth: Gauge
    model_calls: Counter
    rejected: Counter
    cache_lookups: Counter
    feature_age: Histogram
    feature_fallbacks: Counter
    degraded: Counter
    breaker_state: Gauge
    model_loaded: Gauge
    model_load_duration: Gauge
    model_warmup_duration: Gauge
    model_load_failures: Counter
    prediction_score: Histogram
    prediction_value: Histogram
    predicted_class: Counter
    throughput: Gauge
    resident_memory: Gauge
    prediction_log_records: Counter
    build_info: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry, *, multiprocess: bool = False) -> Families:
        """The families in ``registry``; in multi-process mode prometheus_client adds the ``pid`` labels."""
        model_version = ("model", "version")
        return cls(
            requests=Counter(
                names.REQUESTS,
                "Inference requests by the HTTP status answered (gRPC: the HTTP-equivalent status).",
                [*model_version, "protocol", "code"],
                registry=registry,
            ),
            request_duration=Histogram(
                names.REQUEST_DURATION,
                "Time from a decoded request to its encoded answer.",
                [*model_version, "protocol"],
                buckets=names.REQUEST_DURATION_BUCKETS_S,
                registry=registry,
            ),
            in_flight=Gauge(
                names.IN_FLIGHT,
                "Requests inside the pipeline now.",
                ["model"],
                multiprocess_mode="livesum",
                registry=registry,
            ),
            stage_duration=Histogram(
                names.STAGE_DURATION,
                "Time in each pipeline stage (queue and model per model call, the rest per request).",
                [*model_version, "stage"],
                buckets=names.STAGE_BUCKETS_S,
                registry=registry,
            ),
            batch_size=Histogram(
                names.BATCH_SIZE,
                "Rows per model call.",
                model_version,
                buckets=names.BATCH_SIZE_BUCKETS,
                registry=registry,
            ),
            queue_depth=Gauge(
                names.QUEUE_DEPTH,
                "Rows waiting for a model call.",
                model_version,
                multiprocess_mode="livesum",
                registry=registry,
            ),
            model_calls=Counter(
                names.MODEL_CALLS,
                "Model calls, by the thread that ran them: the event loop (short calls of a computing "
                "runtime) or the model's pool.",
                [*model_version, "thread"],
                registry=registry,
            ),
            rejected=Counter(
                names.REJECTED,
                "Requests the batcher refused: overloaded (queue full) or deadline.",
                [*model_version, "reason"],
                registry=registry,
            ),
            cache_lookups=Counter(
                names.CACHE_LOOKUPS,
                "Prediction cache lookups, in rows, by result (hit or miss).",
                [*model_version, "result"],
                registry=registry,
            ),
            feature_age=Histogram(
                names.FEATURE_AGE,
                "Age of looked-up feature values when served.",
                ["model", "feature"],
                buckets=names.FEATURE_AGE_BUCKETS_S,
                registry=registry,
            ),
            feature_fallbacks=Counter(
                names.FEATURE_FALLBACKS,
                "Looked-up feature values that were stale, missing or unavailable, in rows.",
                ["model", "feature", "reason"],
                registry=registry,
            ),
            degraded=Counter(
                names.DEGRADED,
                "Responses served degraded (stale or defaulted features).",
                model_version,
                registry=registry,
            ),
            breaker_state=Gauge(
                names.BREAKER_STATE,
                "Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.",
                ["dependency"],
                multiprocess_mode="livemax",
                registry=registry,
            ),
            model_loaded=Gauge(
                names.MODEL_LOADED,
                "1 while the version serves, 0 once retired.",
                model_version,
                multiprocess_mode="livemin",
                registry=registry,
            ),
            model_load_duration=Gauge(
                names.MODEL_LOAD_DURATION,
                "Time to fetch, verify, load and warm up the version.",
                model_version,
                multiprocess_mode="livemax",
                registry=registry,
            ),
            model_warmup_duration=Gauge(
                names.MODEL_WARMUP_DURATION,
                "Time of the version's warm-up batch.",
                model_version,
                multiprocess_mode="livemax",
                registry=registry,
            ),
            model_load_failures=Counter(
                names.MODEL_LOAD_FAILURES,
                "Loads that failed.",
                ["model"],
                registry=registry,
            ),
            prediction_score=Histogram(
                names.PREDICTION_SCORE,
                "Classifier scores (binary: the positive class's probability; else the top one).",
                [*model_version, "output"],
                buckets=names.SCORE_BUCKETS,
                registry=registry,
            ),
            prediction_value=Histogram(
                names.PREDICTION_VALUE,
                "Regression outputs.",
                [*model_version, "output"],
                buckets=names.VALUE_BUCKETS,
                registry=registry,
            ),
            predicted_class=Counter(
                names.PREDICTED_CLASS,
                "Predicted classes, in rows.",
                [*model_version, "output", "class"],
                registry=registry,
            ),
            throughput=Gauge(
                names.THROUGHPUT,
                "Inferences (rows) served per second over the throughput window.",
                multiprocess_mode="livesum",
                registry=registry,
            ),
            resident_memory=Gauge(
                names.RESIDENT_MEMORY,
                "Resident memory of each worker process.",
                [] if multiprocess else ["pid"],
                multiprocess_mode="liveall",
                registry=registry,
            ),
            prediction_log_records=Counter(
                names.PREDICTION_LOG_RECORDS,
                "Prediction log requests by outcome: written, dropped, failed, sampled_out.",
                ["outcome"],
                registry=registry,
            ),
            build_info=Gauge(
                names.BUILD_INFO,
                "Always 1; the inferd version, and whether the request path is compiled (mypyc), in labels.",
                ["version", "compiled"],
                multiprocess_mode="livemax",
                registry=registry,
            ),
        )
