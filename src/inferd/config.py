"""Settings, in sections, read from ``INFERD_*`` environment variables.

The defaults give the embedded mode: everything lives under ``INFERD_HOME``
(default ``./.inferd``): a SQLite registry and a local artifact folder.
Production backends are a URL away (``INFERD_REGISTRY_URL=postgresql://...``,
``INFERD_ARTIFACT_URL=s3://bucket/prefix``). Settings are built once at the
edge and each component receives only its own section.

Sections are frozen dataclasses whose defaults read the environment when the
section is built, so ``RegistrySettings()`` reflects ``INFERD_*`` and explicit
keyword arguments override it. We measured pydantic-settings at about 0.23 s of
import time, half of the 0.5 s budget for a CLI command such as
``inferd models list``, so this module keeps to the standard library.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inferd.errors import InvalidInputError

ENV_PREFIX = "INFERD_"


def env_str(name: str, default: str | None = None) -> str | None:
    """``INFERD_<name>`` or ``default`` when unset or empty."""
    value = os.environ.get(ENV_PREFIX + name, "")
    return value if value else default


def env_float(name: str, default: float) -> float:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise InvalidInputError(f"{ENV_PREFIX}{name}={raw!r} is not a number") from exc


def env_json_object(name: str) -> dict[str, Any]:
    raw = env_str(name)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{ENV_PREFIX}{name} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInputError(f"{ENV_PREFIX}{name} must be a JSON object")
    return value


def _home() -> Path:
    return Path(env_str("HOME", ".inferd") or ".inferd")


def _cache_dir() -> Path | None:
    raw = env_str("CACHE_DIR")
    return Path(raw) if raw else None


@dataclass(frozen=True)
class RegistrySettings:
    """Where the registry keeps metadata and artifacts.

    ``registry_url`` (``INFERD_REGISTRY_URL``) is a SQLAlchemy URL: a SQLite file
    by default, ``postgresql://`` for production. ``artifact_url``
    (``INFERD_ARTIFACT_URL``) is an fsspec URL or a local folder;
    ``artifact_options`` (``INFERD_ARTIFACT_OPTIONS``, JSON) are fsspec storage
    options, e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}`` for an
    S3-compatible server.
    """

    home: Path = field(default_factory=_home)
    registry_url: str | None = field(default_factory=lambda: env_str("REGISTRY_URL"))
    artifact_url: str | None = field(default_factory=lambda: env_str("ARTIFACT_URL"))
    artifact_options: dict[str, Any] = field(default_factory=lambda: env_json_object("ARTIFACT_OPTIONS"))
    cache_dir: Path | None = field(default_factory=_cache_dir)
    connect_timeout_s: float = field(default_factory=lambda: env_float("CONNECT_TIMEOUT_S", 5.0))

    @property
    def database_url(self) -> str:
        """The metadata database URL, defaulting to ``sqlite:///$INFERD_HOME/registry.db``."""
        if self.registry_url:
            return self.registry_url
        return f"sqlite:///{(self.home / 'registry.db').resolve()}"

    @property
    def artifact_root(self) -> str:
        """The artifact store URL or folder, defaulting to ``$INFERD_HOME/artifacts``."""
        return self.artifact_url or str((self.home / "artifacts").resolve())

    @property
    def local_cache(self) -> Path:
        """Where verified artifacts are materialised for loading."""
        return (self.cache_dir or self.home / "cache").resolve()


@dataclass(frozen=True)
class FeatureStoreSettings:
    """Where online features live: ``INFERD_FEATURE_STORE_URL``.

    ``sqlite:///path`` (default ``$INFERD_HOME/features.db``), ``redis://host:port/db``,
    or ``feast:///path/to/feature_repo``. ``timeout_s`` bounds every call.
    """

    home: Path = field(default_factory=_home)
    url: str | None = field(default_factory=lambda: env_str("FEATURE_STORE_URL"))
    timeout_s: float = field(default_factory=lambda: env_float("FEATURE_STORE_TIMEOUT_S", 0.2))

    @property
    def store_url(self) -> str:
        return self.url or f"sqlite:///{(self.home / 'features.db').resolve()}"
