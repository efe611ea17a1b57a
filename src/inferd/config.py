"""Settings, in sections, read from ``INFERD_*`` environment variables.

The defaults give the embedded mode: everything lives under ``INFERD_HOME``
(default ``./.inferd``): a SQLite registry and a local artifact folder.
Production backends are a URL away (``INFERD_REGISTRY_URL=postgresql://...``,
``INFERD_ARTIFACT_URL=s3://bucket/prefix``). Settings are built once at the
edge and each component receives only its own section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseSettings):
    """Where the registry keeps metadata and artifacts.

    ``url`` is a SQLAlchemy URL (SQLite file by default, ``postgresql://`` for
    production); ``artifact_url`` is an fsspec URL or a local folder;
    ``artifact_options`` are fsspec storage options (JSON in the environment),
    for example ``{"endpoint_url": "http://127.0.0.1:9000"}`` for S3-compatible
    servers.
    """

    model_config = SettingsConfigDict(env_prefix="INFERD_", extra="ignore")

    home: Path = Field(default=Path(".inferd"))
    registry_url: str | None = None
    artifact_url: str | None = None
    artifact_options: dict[str, Any] = Field(default_factory=dict)
    cache_dir: Path | None = None
    connect_timeout_s: float = 5.0

    @field_validator("artifact_options", mode="before")
    @classmethod
    def _parse_options(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

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
