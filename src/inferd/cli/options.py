"""Parsing helpers for command-line values (``key=value`` pairs, times)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from inferd.errors import InvalidInputError


def parse_pairs(pairs: Sequence[str], what: str) -> dict[str, Any]:
    """``["auc=0.91", "team=risk"]`` -> ``{"auc": 0.91, "team": "risk"}`` (values as JSON when they parse)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--{what} {pair!r}: expected KEY=VALUE")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def parse_time(text: str) -> datetime:
    """An ISO-8601 time; a naive one is taken as local time and converted to UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"{text!r} is not an ISO-8601 time such as 2026-11-28T14:05") from exc
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(UTC)
