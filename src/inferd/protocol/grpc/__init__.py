"""The Open Inference Protocol over gRPC: generated messages and converters.

``open_inference_grpc.proto`` defines package ``inference``, service
``GRPCInferenceService`` (the names Triton's clients expect); ``make proto``
regenerates the committed ``open_inference_grpc_pb2*`` stubs.

The stubs register the ``inference.*`` message names in protobuf's default
descriptor pool, as ``tritonclient.grpc`` does with its own copy of them, so
one process cannot import both (protobuf refuses the duplicate symbols).
"""

from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.protocol.grpc.infer import (
    request_from_message,
    request_to_message,
    response_from_message,
    response_to_message,
)
from inferd.protocol.grpc.metadata import model_metadata_message, server_metadata_message
from inferd.protocol.grpc.parameters import parameters_from_message, parameters_to_message

__all__ = [
    "model_metadata_message",
    "parameters_from_message",
    "parameters_to_message",
    "pb",
    "request_from_message",
    "request_to_message",
    "response_from_message",
    "response_to_message",
    "server_metadata_message",
]
