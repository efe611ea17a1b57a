"""``inferd serve`` and ``inferd reload``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from inferd.cli.console import console

if TYPE_CHECKING:
    from inferd.batching import BatchingSettings
    from inferd.telemetry.prediction_log import PredictionLogSettings


@click.command("serve")
@click.argument("models", nargs=-1)
@click.option(
    "--host", default="127.0.0.1", help="Interface to listen on (loopback by default).", show_default=True
)
@click.option("--http-port", type=int, default=8080, help="REST port.", show_default=True)
@click.option("--grpc-port", type=int, default=8081, help="gRPC port (0 turns gRPC off).", show_default=True)
@click.option(
    "--alias", default="production", help="Serve the version this alias points at.", show_default=True
)
@click.option(
    "--workers", default=1, type=click.IntRange(min=1), help="Processes sharing the ports.", show_default=True
)
@click.option(
    "--cpu-affinity/--no-cpu-affinity",
    default=False,
    help="Pin each worker's event loop and model threads to one CPU of its own: faster on small "
    "machines for models that are quick next to the request handling (see the README).",
    show_default=True,
)
@click.option(
    "--max-batch-size",
    default=32,
    type=click.IntRange(min=1),
    help="Rows per model call (adaptive batching).",
    show_default=True,
)
@click.option(
    "--max-delay-us",
    default=1000,
    type=click.IntRange(min=0),
    help="Longest wait for a batch to fill, from the oldest request.",
    show_default=True,
)
@click.option("--no-batching", "no_batching", is_flag=True, help="One model call per request.")
@click.option(
    "--instances",
    default=1,
    type=click.IntRange(min=1),
    help="Concurrent model calls per model.",
    show_default=True,
)
@click.option(
    "--inline-call-us",
    default=200,
    type=click.IntRange(min=0),
    help="A compiled runtime's model call expected to take less runs on the event loop, not a thread "
    "(0: always a thread).",
    show_default=True,
)
@click.option(
    "--max-queue-rows",
    default=2048,
    type=click.IntRange(min=1),
    help="Queued rows per model before 429.",
    show_default=True,
)
@click.option(
    "--timeout-s",
    type=float,
    default=10.0,
    help="Default per-request deadline (clients may ask for less).",
    show_default=True,
)
@click.option(
    "--watch-interval-s",
    type=float,
    default=5.0,
    help="How often to check the registry for moved aliases (0: never).",
    show_default=True,
)
@click.option(
    "--max-body-mb",
    default=64,
    type=click.IntRange(min=1),
    help="Largest request body accepted (413 above).",
    show_default=True,
)
@click.option(
    "--threads",
    default=1,
    type=click.IntRange(min=1),
    help="Threads inside each model call (onnxruntime intra-op).",
    show_default=True,
)
@click.option("--trust-pickle", is_flag=True, help="Allow pickle/joblib artifacts (unpickling runs code).")
@click.option(
    "--model-batching",
    multiple=True,
    metavar="MODEL:KEY=VALUE[,KEY=VALUE]",
    help="Per-model batching, e.g. iris:max_batch_size=8,max_delay_us=500 or slow:enabled=false. Repeatable.",
)
@click.option("--no-metrics", "no_metrics", is_flag=True, help="Do not serve /metrics.")
@click.option(
    "--price-per-replica-hour",
    type=click.FloatRange(min=0),
    default=None,
    help="Dollars one replica costs per hour: turns on the cost-per-inference gauge.",
)
@click.option("--trace", is_flag=True, help="Trace requests with OpenTelemetry (OTLP over HTTP).")
@click.option(
    "--otlp-endpoint",
    default=None,
    help="Where spans go, e.g. http://collector:4318/v1/traces (default: OTEL_EXPORTER_OTLP_*).",
)
@click.option(
    "--trace-sample-ratio",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Share of requests traced when the caller's traceparent does not decide.",
)
@click.option("--log-format", type=click.Choice(["human", "json"]), default="human", show_default=True)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    show_default=True,
)
@click.option("--access-log", is_flag=True, help="Log a line per inference request.")
@click.option(
    "--prediction-log",
    "prediction_log",
    default=None,
    metavar="SINK",
    help="Log predictions: 'parquet' (under INFERD_HOME), a folder, or postgresql://... "
    "(default: INFERD_PREDICTION_LOG; off when unset).",
)
@click.option(
    "--prediction-log-sample-rate",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of requests logged (default: INFERD_PREDICTION_LOG_SAMPLE_RATE or 1).",
)
@click.option(
    "--pii-mode",
    type=click.Choice(["hash", "drop"]),
    default=None,
    help="Fields marked pii are logged as a keyed hash (key: INFERD_PREDICTION_LOG_PII_KEY) or dropped.",
)
def serve(
    models: tuple[str, ...],
    host: str,
    http_port: int,
    grpc_port: int,
    alias: str,
    workers: int,
    cpu_affinity: bool,
    max_batch_size: int,
    max_delay_us: int,
    no_batching: bool,
    instances: int,
    inline_call_us: int,
    max_queue_rows: int,
    timeout_s: float,
    watch_interval_s: float,
    max_body_mb: int,
    threads: int,
    trust_pickle: bool,
    model_batching: tuple[str, ...],
    no_metrics: bool,
    price_per_replica_hour: float | None,
    trace: bool,
    otlp_endpoint: str | None,
    trace_sample_ratio: float,
    log_format: str,
    log_level: str,
    access_log: bool,
    prediction_log: str | None,
    prediction_log_sample_rate: float | None,
    pii_mode: str | None,
) -> None:
    """Serve models over the Open Inference Protocol (REST and gRPC) and the records API."""
    from inferd.batching import BatchingSettings
    from inferd.runtimes import RuntimeOptions
    from inferd.server.runner import serve as run_server
    from inferd.server.settings import Configuration, ServerSettings
    from inferd.serving.settings import ServingSettings
    from inferd.telemetry.logs import LoggingSettings
    from inferd.telemetry.metrics import MetricsSettings
    from inferd.telemetry.tracing import TracingSettings

    batching = BatchingSettings(
        enabled=not no_batching,
        max_batch_size=max_batch_size,
        max_delay_us=max_delay_us,
        instances=instances,
        max_queue_rows=max_queue_rows,
        inline_call_us=inline_call_us,
    )
    configuration = Configuration(
        server=ServerSettings(
            host=host,
            http_port=http_port,
            grpc_port=grpc_port,
            workers=workers,
            max_body_bytes=max_body_mb << 20,
            cpu_affinity=cpu_affinity,
        ),
        serving=ServingSettings(
            alias=alias,
            models=tuple(models or ()),
            batching=batching,
            model_batching=parse_model_batching(model_batching, batching),
            runtime=RuntimeOptions(intra_op_threads=threads, trust_pickle=trust_pickle),
            default_timeout_s=timeout_s,
            watch_interval_s=watch_interval_s,
        ),
        metrics=MetricsSettings(enabled=not no_metrics, price_per_replica_hour=price_per_replica_hour),
        tracing=TracingSettings(enabled=trace, otlp_endpoint=otlp_endpoint, sample_ratio=trace_sample_ratio),
        logging=LoggingSettings(format=log_format, level=log_level.upper(), access_log=access_log),
        prediction_log=prediction_log_settings(prediction_log, prediction_log_sample_rate, pii_mode),
    )
    grpc = f", gRPC on {host}:{grpc_port}" if grpc_port else ""
    console.print(f"inferd serving on http://{host}:{http_port}{grpc} ({workers} worker(s))", highlight=False)
    run_server(configuration)


def prediction_log_settings(
    sink: str | None, sample_rate: float | None, pii_mode: str | None
) -> PredictionLogSettings:
    """The environment's prediction log settings, with what the command line says on top; checked now,
    so a missing PII key is one clear line at start-up rather than a failing worker."""
    from dataclasses import replace

    from inferd.telemetry.prediction_log import PredictionLogSettings

    settings = PredictionLogSettings.from_environment()
    changes: dict[str, object] = {}
    if sink is not None:
        changes["sink"] = sink
    if sample_rate is not None:
        changes["sample_rate"] = sample_rate
    if pii_mode is not None:
        changes["pii_mode"] = pii_mode
    settings = replace(settings, **changes)  # type: ignore[arg-type]
    if settings.is_enabled and settings.pii_mode == "hash":
        from inferd.telemetry.prediction_log.masking import pii_key_bytes

        pii_key_bytes(settings.pii_key)  # no key: one clear line now, not a failing worker
    return settings


@click.command("reload")
@click.option("--url", default="http://127.0.0.1:8080", help="The running server.", show_default=True)
def reload(
    url: str,
) -> None:
    """Ask a running server to re-read the registry now and swap in moved aliases."""
    import json
    import urllib.request

    from inferd.errors import UnavailableError

    request = urllib.request.Request(f"{url.rstrip('/')}/admin/reload", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            reloaded = json.loads(response.read())["reloaded"]
    except OSError as exc:
        raise UnavailableError(f"cannot reach the server at {url}: {exc}") from exc
    console.print(
        f"swapped in: {', '.join(reloaded)}" if reloaded else "nothing to swap: every model is current"
    )


def parse_model_batching(specs: tuple[str, ...], default: BatchingSettings) -> dict[str, BatchingSettings]:
    """``("iris:max_batch_size=8,enabled=false",)`` -> per-model settings starting from ``default``."""
    from dataclasses import fields, replace

    from inferd.batching import BatchingSettings
    from inferd.errors import InvalidInputError

    known = {f.name: f for f in fields(BatchingSettings)}
    out: dict[str, BatchingSettings] = {}
    for spec in specs:
        model, sep, pairs = spec.partition(":")
        if not sep or not model or not pairs:
            raise InvalidInputError(f"--model-batching {spec!r}: expected MODEL:KEY=VALUE[,KEY=VALUE]")
        changes: dict[str, object] = {}
        for pair in pairs.split(","):
            key, _, raw = pair.partition("=")
            if key not in known:
                raise InvalidInputError(
                    f"--model-batching {spec!r}: unknown key {key!r}; known: {', '.join(known)}"
                )
            changes[key] = _batching_value(key, raw, spec)
        try:
            out[model] = replace(out.get(model, default), **changes)  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidInputError(f"--model-batching {spec!r}: {exc}") from exc
    return out


def _batching_value(key: str, raw: str, spec: str) -> object:
    from inferd.errors import InvalidInputError

    try:
        if key == "enabled":
            return {"true": True, "false": False}[raw.lower()]
        if key == "preferred_batch_sizes":
            return tuple(int(v) for v in raw.split("/") if v)
        return int(raw)
    except (KeyError, ValueError) as exc:
        raise InvalidInputError(f"--model-batching {spec!r}: bad value {raw!r} for {key}") from exc
