"""The server section, and how a whole configuration travels to worker processes.

``inferd serve`` builds the settings once and hands them to granian's worker
processes through one environment variable (``INFERD_SERVER_CONFIG``, JSON), so
every worker serves exactly what the command line asked for.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inferd.batching import BatchingSettings
from inferd.config import FeatureStoreSettings, RegistrySettings, env_str
from inferd.runtimes import RuntimeOptions
from inferd.serving.settings import ServingSettings
from inferd.telemetry.logs import LoggingSettings
from inferd.telemetry.metrics import MetricsSettings
from inferd.telemetry.prediction_log.settings import PredictionLogSettings
from inferd.telemetry.tracing import TracingSettings

CONFIG_ENV = "INFERD_SERVER_CONFIG"
#: The folder where the workers of one server share their repository calls (set by the supervisor).
SYNC_ENV = "INFERD_WORKER_SYNC_DIR"
PII_KEY_ENV = "PREDICTION_LOG_PII_KEY"  # INFERD_PREDICTION_LOG_PII_KEY


@dataclass(frozen=True)
class ServerSettings:
    """Where and how the server listens. ``grpc_port`` 0 turns gRPC off.

    ``cpu_affinity`` pins each worker's event loop and model threads to one CPU of its own
    (see :mod:`inferd.server.affinity`).
    """

    host: str = "127.0.0.1"
    http_port: int = 8080
    grpc_port: int = 8081
    workers: int = 1
    max_body_bytes: int = 64 * 1024 * 1024
    shutdown_timeout_s: float = 30.0
    cpu_affinity: bool = False


@dataclass(frozen=True)
class Configuration:
    """Everything one server process needs."""

    server: ServerSettings = field(default_factory=ServerSettings)
    serving: ServingSettings = field(default_factory=ServingSettings)
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    tracing: TracingSettings = field(default_factory=TracingSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    prediction_log: PredictionLogSettings = field(default_factory=PredictionLogSettings)

    def to_json(self) -> str:
        data = asdict(self)
        # A secret stays out of the environment of every worker: each reads it where the user put it.
        data["prediction_log"]["pii_key"] = None
        data["registry"]["home"] = str(self.registry.home)
        cache = self.registry.cache_dir
        data["registry"]["cache_dir"] = str(cache) if cache is not None else None
        data["serving"]["features"]["home"] = str(self.serving.features.home)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Configuration:
        data = json.loads(text)
        serving: dict[str, Any] = data["serving"]
        registry: dict[str, Any] = data["registry"]
        return cls(
            server=ServerSettings(**data["server"]),
            serving=ServingSettings(
                alias=serving["alias"],
                models=tuple(serving["models"]),
                batching=_batching(serving["batching"]),
                model_batching={k: _batching(v) for k, v in serving["model_batching"].items()},
                runtime=RuntimeOptions(**serving["runtime"]),
                features=FeatureStoreSettings(
                    home=Path(serving["features"]["home"]),
                    url=serving["features"]["url"],
                    timeout_s=serving["features"]["timeout_s"],
                ),
                **{
                    k: serving[k]
                    for k in ("default_timeout_s", "max_timeout_s", "watch_interval_s", "drain_timeout_s")
                },
            ),
            registry=RegistrySettings(
                home=Path(registry["home"]),
                registry_url=registry["registry_url"],
                artifact_url=registry["artifact_url"],
                artifact_options=registry["artifact_options"],
                cache_dir=Path(registry["cache_dir"]) if registry["cache_dir"] else None,
                connect_timeout_s=registry["connect_timeout_s"],
            ),
            metrics=MetricsSettings(**data["metrics"]),
            tracing=TracingSettings(**data["tracing"]),
            logging=LoggingSettings(**data["logging"]),
            prediction_log=PredictionLogSettings(
                **{**data["prediction_log"], "pii_key": env_str(PII_KEY_ENV)}
            ),
        )

    @classmethod
    def from_environment(cls) -> Configuration:
        text = os.environ.get(CONFIG_ENV)
        return cls.from_json(text) if text else cls()


def _batching(data: dict[str, Any]) -> BatchingSettings:
    return BatchingSettings(**{**data, "preferred_batch_sizes": tuple(data["preferred_batch_sizes"])})
