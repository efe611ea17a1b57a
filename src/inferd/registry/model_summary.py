"""ModelSummary: one line of ``inferd models list``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ModelSummary:
    """A registered model at a glance: its latest version, how many, its aliases, last change."""

    name: str
    latest_version: int
    version_count: int
    aliases: dict[str, int]
    updated_at: datetime
