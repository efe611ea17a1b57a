"""Structured logs: JSON lines for machines, a readable line for terminals, the request's context on both.

The edge sets :data:`REQUEST_CONTEXT` for each inference request (request id,
trace id, model, version); every record logged while it runs carries those
fields, whichever module logs it. Messages are the code's own: request values
never go into a log line (contract errors go back to the client, not here), so
fields marked ``pii`` cannot leak through logs.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from inferd.errors import InvalidInputError

FORMATS = ("human", "json")
ACCESS_LOGGER = "inferd.access"


@dataclass(frozen=True)
class LoggingSettings:
    """``format`` is ``human`` or ``json``; ``level`` a logging level name; ``access_log`` adds a
    line per inference request (off by default: it costs the request path a few microseconds)."""

    format: str = "human"
    level: str = "INFO"
    access_log: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InvalidInputError(f"log format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if not isinstance(logging.getLevelName(self.level.upper()), int):
            raise InvalidInputError(f"unknown log level {self.level!r} (DEBUG, INFO, WARNING, ERROR)")


class RequestContext(NamedTuple):
    """What every log record of one request carries.

    :data:`REQUEST_CONTEXT` holds one, or a plain tuple of the same fields in the same
    order: the edge makes a plain one per request (a named tuple's constructor is a
    Python call, 2.5k more instructions a request).
    """

    request_id: str
    model: str
    trace_id: str | None = None
    version: str | None = None


ContextFields = tuple[str, str, str | None, str | None]  # RequestContext's fields, in its order
REQUEST_CONTEXT: ContextVar[ContextFields | None] = ContextVar("inferd_request_context", default=None)
_CONTEXT_FIELDS = RequestContext._fields
# Attributes every LogRecord has; anything else was passed as ``extra`` and belongs in the line.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's context, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        _add_context(line)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class HumanFormatter(logging.Formatter):
    """``time LEVEL logger: message [model=... request=...]`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context: dict[str, Any] = {}
        _add_context(context)
        if context:
            text += " [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]"
        return text


def _add_context(line: dict[str, Any]) -> None:
    context = REQUEST_CONTEXT.get()
    if context is None:
        return
    for name, value in zip(_CONTEXT_FIELDS, context, strict=True):
        if value is not None:
            line[name] = value


CHATTY_LOGGERS = ("alembic.runtime.plugins",)


def configure_logging(settings: LoggingSettings) -> None:
    """Send every ``inferd`` (and library) record to stderr in the chosen format, at the chosen level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.format == "json" else HumanFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level.upper())
    # Libraries whose INFO lines say nothing an operator needs (alembic lists each of its
    # plugins when a new registry is migrated); DEBUG shows them again.
    quiet = logging.WARNING if root.level > logging.DEBUG else logging.NOTSET
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
