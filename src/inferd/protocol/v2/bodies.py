"""The small v2 REST bodies: server and model metadata, health, errors.

Health answers carry the status in the HTTP code (200 true, 4xx false, per the
original protocol) and also a JSON body, as newer Open Inference Protocol texts
show; these functions build the body only.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from inferd.tensors import TensorSpec


def encode_server_metadata(name: str, version: str, extensions: Iterable[str]) -> bytes:
    """``{"name", "version", "extensions"}`` for ``GET /v2``."""
    return orjson.dumps({"name": name, "version": version, "extensions": list(extensions)})


def encode_model_metadata(
    name: str,
    versions: Iterable[str],
    platform: str,
    inputs: Iterable[TensorSpec],
    outputs: Iterable[TensorSpec],
) -> bytes:
    """The model metadata body for ``GET /v2/models/<name>[/versions/<v>]``.

    Tensor shapes use ``-1`` for a variable dimension, as the specs do.
    """
    return orjson.dumps(
        {
            "name": name,
            "versions": list(versions),
            "platform": platform,
            "inputs": [spec.to_dict() for spec in inputs],
            "outputs": [spec.to_dict() for spec in outputs],
        }
    )


def encode_live(live: bool) -> bytes:
    """``{"live": bool}`` for ``GET /v2/health/live``."""
    return orjson.dumps({"live": live})


def encode_ready(ready: bool) -> bytes:
    """``{"ready": bool}`` for ``GET /v2/health/ready``."""
    return orjson.dumps({"ready": ready})


def encode_model_ready(name: str, ready: bool) -> bytes:
    """``{"name", "ready"}`` for ``GET /v2/models/<name>[/versions/<v>]/ready``."""
    return orjson.dumps({"name": name, "ready": ready})


def encode_error(error: BaseException | str) -> bytes:
    """``{"error": "<message>"}``, the protocol's body for every failure."""
    return orjson.dumps({"error": str(error)})
