"""The Open Inference Protocol v2 over REST: JSON bodies and the binary tensor data extension."""

from inferd.protocol.v2.bodies import (
    encode_error,
    encode_live,
    encode_model_metadata,
    encode_model_ready,
    encode_ready,
    encode_server_metadata,
)
from inferd.protocol.v2.request import decode_request
from inferd.protocol.v2.response import encode_response

#: The HTTP header that gives the length of the JSON part of a body with binary data.
HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length"

__all__ = [
    "HEADER_CONTENT_LENGTH",
    "decode_request",
    "encode_error",
    "encode_live",
    "encode_model_metadata",
    "encode_model_ready",
    "encode_ready",
    "encode_response",
    "encode_server_metadata",
]
