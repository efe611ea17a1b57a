"""Encode an Open Inference Protocol v2 REST inference response.

Outputs listed in ``InferenceResponse.binary_outputs`` travel as binary data
after the JSON (``parameters.binary_data_size`` on the output, and the length
of the JSON returned for the ``Inference-Header-Content-Length`` header); the
others travel as flat, row-major JSON ``data``.
"""

from __future__ import annotations

from typing import Any

import orjson

from inferd.protocol.datatypes import output_datatype
from inferd.protocol.messages import InferenceResponse
from inferd.protocol.raw import raw_from_array
from inferd.protocol.v2.data import json_data

_DUMPS_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def encode_response(response: InferenceResponse) -> tuple[bytes, int | None]:
    """The response body and the ``Inference-Header-Content-Length`` value.

    The length is ``None`` when no output is binary (the body is plain JSON).
    """
    outputs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    binary = response.binary_outputs
    for name, array in response.outputs.items():
        datatype = output_datatype(name, array)
        tensor: dict[str, Any] = {"name": name, "datatype": datatype, "shape": array.shape}
        if name in binary:
            raw = raw_from_array(array, datatype)
            tensor["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            tensor["data"] = json_data(name, array)
        outputs.append(tensor)
    header = orjson.dumps(_envelope(response, outputs), option=_DUMPS_OPTIONS)
    if not chunks:
        return header, None
    return b"".join([header, *chunks]), len(header)


def _envelope(response: InferenceResponse, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {"model_name": response.model_name}
    if response.model_version is not None:
        document["model_version"] = response.model_version
    if response.id is not None:
        document["id"] = response.id
    if response.parameters:
        document["parameters"] = response.parameters
    document["outputs"] = outputs
    return document
