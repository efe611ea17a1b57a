"""The committed gRPC stubs are what `make proto` generates from the committed proto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import inferd.protocol.grpc

PACKAGE_DIR = Path(inferd.protocol.grpc.__file__).parent
SOURCE_ROOT = PACKAGE_DIR.parents[2]
PROTO = "inferd/protocol/grpc/open_inference_grpc.proto"
GENERATED = ("open_inference_grpc_pb2.py", "open_inference_grpc_pb2.pyi", "open_inference_grpc_pb2_grpc.py")


def test_committed_stubs_match_a_fresh_generation(tmp_path: Path) -> None:
    # The same command as the Makefile's `proto` target, into tmp_path.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{SOURCE_ROOT}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            str(SOURCE_ROOT / PROTO),
        ],
        check=True,
        capture_output=True,
    )
    for name in GENERATED:
        fresh = (tmp_path / "inferd/protocol/grpc" / name).read_text()
        committed = (PACKAGE_DIR / name).read_text()
        assert committed == fresh, f"{name} is stale: run `make proto` and commit the result"


def test_the_service_has_the_protocol_and_extension_methods() -> None:
    service = inferd.protocol.grpc.pb.DESCRIPTOR.services_by_name["GRPCInferenceService"]
    assert service.full_name == "inference.GRPCInferenceService"
    assert set(service.methods_by_name) == {
        "ServerLive",
        "ServerReady",
        "ModelReady",
        "ServerMetadata",
        "ModelMetadata",
        "ModelInfer",
        "ModelStatistics",
        "RepositoryIndex",
        "RepositoryModelLoad",
        "RepositoryModelUnload",
    }


def test_raw_contents_use_the_current_field_numbers() -> None:
    pb = inferd.protocol.grpc.pb
    assert pb.ModelInferRequest.DESCRIPTOR.fields_by_name["raw_input_contents"].number == 7
    assert pb.ModelInferResponse.DESCRIPTOR.fields_by_name["raw_output_contents"].number == 6
    assert pb.ModelInferResponse.DESCRIPTOR.fields_by_name["model_name"].number == 1
