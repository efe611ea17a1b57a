"""Codecs: wire formats in, Batches out, and back.

- :mod:`inferd.protocol.v2`: Open Inference Protocol v2 REST (JSON and binary data).
- :mod:`inferd.protocol.records`: the friendly ``{"instances": [...]}`` JSON API.
- :mod:`inferd.protocol.grpc`: Open Inference Protocol gRPC messages.

All decode into :class:`InferenceRequest` and encode from :class:`InferenceResponse`.
"""

from inferd.protocol.messages import InferenceRequest, InferenceResponse, Parameters, RequestedOutput

__all__ = ["InferenceRequest", "InferenceResponse", "Parameters", "RequestedOutput"]
