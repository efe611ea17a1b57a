"""What serving a model version involves beyond the model: its deployment configuration.

Declared in YAML (or JSON) at registration (``inferd models register --deployment
deploy.yaml``) and stored with the version in the registry, so every server
runs a version exactly as it was registered:

.. code-block:: yaml

    features:                     # online feature lookup by entity key
      entity: customer_id         # the request field that carries the key
      fields: [age, income]       # contract fields fetched when the request lacks them
    preprocess:                   # inferd.serving.steps configs, run on the checked fields
      - {step: standardize, fields: [age], mean: [40.0], std: [12.0]}
    model_inputs:                 # after preprocessing: fields stacked into the model's tensors
      - {into: input, fields: [age, income], dtype: float32}
    postprocess:
      - {step: threshold, output: probabilities, column: 1, threshold: 0.5, labels: [no, yes], name: decision}
    cache: {backend: memory, max_bytes: 67108864}     # or {backend: redis, url: redis://..., ttl_s: 300}

Every part is optional; an empty deployment is the plain contract -> model path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inferd.contract import Stack
from inferd.errors import InvalidInputError

_KEYS = {"features", "preprocess", "model_inputs", "postprocess", "cache"}
CACHE_BACKENDS = ("memory", "redis")
MIN_TTL_S = 0.001  # a cache's shortest ttl_s: Redis expires in whole milliseconds


@dataclass(frozen=True)
class FeatureLookup:
    """Fetch ``fields`` from the online store by the key in request field ``entity``."""

    entity: str
    fields: tuple[str, ...]
    keep_entity: bool = False


@dataclass(frozen=True)
class CacheConfig:
    """A prediction cache: in-process LRU bounded in bytes, or Redis with a TTL."""

    backend: str = "memory"
    max_bytes: int = 64 << 20
    ttl_s: float = 300.0
    url: str | None = None


@dataclass(frozen=True)
class Deployment:
    """The pipeline around one model version (see the module docstring)."""

    features: FeatureLookup | None = None
    preprocess: tuple[Mapping[str, Any], ...] = ()
    model_inputs: tuple[Stack, ...] = ()
    postprocess: tuple[Mapping[str, Any], ...] = ()
    cache: CacheConfig | None = None
    source: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_plain(self) -> bool:
        """No lookup, no steps, no cache: the model's contract path alone."""
        return not (self.features or self.preprocess or self.postprocess or self.cache or self.model_inputs)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Deployment:
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise InvalidInputError("a deployment must be a mapping")
        unknown = set(data) - _KEYS
        if unknown:
            raise InvalidInputError(f"deployment: unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
        return cls(
            features=_features(data.get("features")),
            preprocess=_steps(data, "preprocess"),
            model_inputs=tuple(Stack.from_dict(s) for s in _list(data, "model_inputs")),
            postprocess=_steps(data, "postprocess"),
            cache=_cache(data.get("cache")),
            source=dict(data),
        )

    @classmethod
    def load(cls, path: Path) -> Deployment:
        import yaml

        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInputError(f"{path}: cannot read the deployment: {exc}") from exc
        try:
            return cls.from_dict(data)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{path}: {exc}") from exc


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InvalidInputError(f"deployment: '{key}' must be a list of mappings")
    return value


def _steps(data: Mapping[str, Any], key: str) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(step) for step in _list(data, key))


def _features(value: Any) -> FeatureLookup | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "entity" not in value or "fields" not in value:
        raise InvalidInputError("deployment: 'features' needs 'entity' (the key field) and 'fields' (a list)")
    fields = value["fields"]
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise InvalidInputError("deployment: features 'fields' must be a non-empty list of field names")
    return FeatureLookup(str(value["entity"]), tuple(fields), bool(value.get("keep_entity", False)))


def _cache(value: Any) -> CacheConfig | None:
    if value is None or value is False:
        return None
    if value is True:
        return CacheConfig()
    if not isinstance(value, Mapping):
        raise InvalidInputError("deployment: 'cache' must be a mapping such as {backend: memory}")
    backend = str(value.get("backend", "memory"))
    if backend not in CACHE_BACKENDS:
        raise InvalidInputError(
            f"deployment: cache backend {backend!r} must be one of {', '.join(CACHE_BACKENDS)}"
        )
    try:
        config = CacheConfig(
            backend=backend,
            max_bytes=int(value.get("max_bytes", CacheConfig.max_bytes)),
            ttl_s=float(value.get("ttl_s", CacheConfig.ttl_s)),
            url=value.get("url"),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"deployment: bad cache setting: {exc}") from exc
    # Refused where the deployment is read (at registration), not when a server loads the model;
    # a NaN ttl_s got past the Redis cache's own check and failed every write.
    if config.max_bytes <= 0:
        raise InvalidInputError(f"deployment: cache max_bytes must be positive, got {config.max_bytes}")
    if not config.ttl_s >= MIN_TTL_S:
        raise InvalidInputError(f"deployment: cache ttl_s must be at least {MIN_TTL_S} s, got {config.ttl_s}")
    return config
