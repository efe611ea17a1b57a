"""Structured logs: the request's context on every record, JSON for machines, brackets for people."""

from __future__ import annotations

import json
import logging

import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.logs import (
    REQUEST_CONTEXT,
    HumanFormatter,
    JsonFormatter,
    LoggingSettings,
    RequestContext,
    configure_logging,
)


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("inferd.serving", logging.WARNING, __file__, 1, message, None, None)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_requests_context_and_extras() -> None:
    token = REQUEST_CONTEXT.set(RequestContext("p-1", "iris", trace_id="ab" * 16, version="3"))
    try:
        line = json.loads(JsonFormatter().format(record("store slow", duration_ms=12.5)))
    finally:
        REQUEST_CONTEXT.reset(token)
    assert line["message"] == "store slow"
    assert line["level"] == "warning"
    assert line["logger"] == "inferd.serving"
    assert (line["request_id"], line["model"], line["version"]) == ("p-1", "iris", "3")
    assert line["trace_id"] == "ab" * 16
    assert line["duration_ms"] == 12.5
    assert line["time"].endswith("+00:00")


def test_records_outside_a_request_have_no_context() -> None:
    line = json.loads(JsonFormatter().format(record("started")))
    assert "request_id" not in line
    assert "model" not in line


def test_an_exception_is_one_json_field() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        made = logging.LogRecord("inferd", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(made))
    assert "ValueError: bad" in line["exception"]


def test_the_human_format_appends_the_context_in_brackets() -> None:
    token = REQUEST_CONTEXT.set(RequestContext("p-2", "clf"))
    try:
        text = HumanFormatter().format(record("slow batch"))
    finally:
        REQUEST_CONTEXT.reset(token)
    assert text.endswith("inferd.serving: slow batch [request_id=p-2 model=clf]")


def test_configure_logging_sets_the_level_and_format(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(LoggingSettings(format="json", level="WARNING"))
        logging.getLogger("inferd.test").info("hidden")
        logging.getLogger("inferd.test").warning("shown")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert [line["message"] for line in lines] == ["shown"]


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_alembics_plugin_list_is_left_out_unless_debugging(
    capsys: pytest.CaptureFixture[str], level: str, shown: bool
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(LoggingSettings(format="human", level=level))
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.schemas")
        logging.getLogger("alembic.runtime.migration").info("Running upgrade  -> 0001")
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.NOTSET)
    assert ("setup plugin" in err) is shown
    assert "Running upgrade" in err  # what the migration does stays


@pytest.mark.parametrize(("field", "value"), [("format", "xml"), ("level", "LOUD")])
def test_settings_refuse_unknown_formats_and_levels(field: str, value: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        LoggingSettings(**{field: value})  # type: ignore[arg-type]
