"""A JSON object from a request body: the one check every JSON API of the server makes first."""

from __future__ import annotations

from typing import Any

import orjson

from inferd.errors import InvalidInputError


def load_json_object(raw: bytes | bytearray | memoryview, what: str = "request body") -> dict[str, Any]:
    """``raw`` parsed; InvalidInputError naming ``what`` unless it is JSON and an object."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidInputError(f"{what} must be a JSON object, got {type(document).__name__}")
    return document
