"""Metadata and health messages."""

from __future__ import annotations

from collections.abc import Iterable

from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.tensors import TensorSpec


def server_metadata_message(name: str, version: str, extensions: Iterable[str]) -> pb.ServerMetadataResponse:
    """The ``ServerMetadata`` answer."""
    return pb.ServerMetadataResponse(name=name, version=version, extensions=list(extensions))


def model_metadata_message(
    name: str,
    versions: Iterable[str],
    platform: str,
    inputs: Iterable[TensorSpec],
    outputs: Iterable[TensorSpec],
) -> pb.ModelMetadataResponse:
    """The ``ModelMetadata`` answer; shapes use -1 for a variable dimension."""
    return pb.ModelMetadataResponse(
        name=name,
        versions=list(versions),
        platform=platform,
        inputs=[_tensor_metadata(spec) for spec in inputs],
        outputs=[_tensor_metadata(spec) for spec in outputs],
    )


def _tensor_metadata(spec: TensorSpec) -> pb.ModelMetadataResponse.TensorMetadata:
    return pb.ModelMetadataResponse.TensorMetadata(
        name=spec.name, datatype=spec.datatype, shape=list(spec.shape)
    )
