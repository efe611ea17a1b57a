"""A line logged while a request runs carries the request's id and model, and nothing once it is done."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any, cast

import pytest

from inferd.errors import InvalidInputError
from inferd.protocol import InferenceRequest
from inferd.registry import Registry
from inferd.server.inference_service import InferenceService
from inferd.serving.manager import ModelManager
from inferd.serving.settings import ServingSettings
from inferd.telemetry.logs import JsonFormatter


def test_a_line_logged_during_a_request_carries_its_id_and_model() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("inferd.test.request_context")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    registry = Registry.open()
    # A real manager serving nothing (a stand-in is refused where the service is compiled).
    service = InferenceService(ModelManager(registry, ServingSettings()), access_log_enabled=True)

    def decode() -> InferenceRequest:
        logger.warning("decoding")
        raise InvalidInputError("field 'x' is missing")

    try:
        with pytest.raises(InvalidInputError):
            asyncio.run(service.infer("rest", "iris", None, decode))
        logger.warning("after the request")
    finally:
        logger.removeHandler(handler)
        registry.close()
    during, after = (cast(dict[str, Any], json.loads(line)) for line in stream.getvalue().splitlines())
    assert during["message"] == "decoding"
    assert during["model"] == "iris"
    assert len(during["request_id"]) == len("0191f3a2b4c5-8e41d07a9b3c-00002a")
    assert "trace_id" not in during  # not traced
    assert "request_id" not in after
    assert "model" not in after
