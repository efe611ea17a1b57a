"""gRPC messages <-> InferenceRequest / InferenceResponse, through the wire bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InferdError, InvalidInputError
from inferd.protocol import InferenceRequest, InferenceResponse, RequestedOutput
from inferd.protocol.grpc import (
    model_metadata_message,
    pb,
    request_from_message,
    request_to_message,
    response_from_message,
    response_to_message,
    server_metadata_message,
)
from inferd.tensors import TensorSpec, v2_datatype

from .strategies import batches

# The typed field per datatype, from the protocol (FP16 has none).
TYPED_FIELDS = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}
TYPED_DATATYPES = tuple(TYPED_FIELDS)


def over_the_wire(message: pb.ModelInferRequest) -> pb.ModelInferRequest:
    return pb.ModelInferRequest.FromString(message.SerializeToString())


def typed_message(batch: dict[str, np.ndarray]) -> pb.ModelInferRequest:
    """A request with every input in typed contents, built field by field as a client would."""
    message = pb.ModelInferRequest(model_name="m", id="r-1")
    for name, array in batch.items():
        datatype = v2_datatype(array.dtype)
        tensor = message.inputs.add(name=name, datatype=datatype, shape=array.shape)
        getattr(tensor.contents, TYPED_FIELDS[datatype]).extend(array.ravel().tolist())
    return over_the_wire(message)


def assert_same_batch(decoded: dict[str, np.ndarray], batch: dict[str, np.ndarray]) -> None:
    assert list(decoded) == list(batch)
    for name, original in batch.items():
        assert decoded[name].dtype == original.dtype, name
        assert decoded[name].shape == original.shape, name
        np.testing.assert_array_equal(decoded[name], original)


@settings(max_examples=60, deadline=None)
@given(batches())
def test_raw_input_contents_round_trip_every_datatype(batch: dict[str, np.ndarray]) -> None:
    request = InferenceRequest(inputs=batch, datatypes={}, shapes={}, id="r-1", parameters={"priority": 1})
    message = over_the_wire(request_to_message(request, "m", "2"))
    assert len(message.raw_input_contents) == len(batch)
    decoded = request_from_message(message)
    assert_same_batch(decoded.inputs, batch)
    assert decoded.id == "r-1"
    assert decoded.parameters == {"priority": 1}
    assert decoded.datatypes == {name: v2_datatype(array.dtype) for name, array in batch.items()}


@settings(max_examples=60, deadline=None)
@given(batches(TYPED_DATATYPES))
def test_typed_contents_round_trip_every_datatype(batch: dict[str, np.ndarray]) -> None:
    assert_same_batch(request_from_message(typed_message(batch)).inputs, batch)


@settings(max_examples=60, deadline=None)
@given(batches(), st.booleans())
def test_responses_round_trip_raw_or_typed(batch: dict[str, np.ndarray], raw: bool) -> None:
    response = InferenceResponse("m", batch, model_version="2", id="r-1", parameters={"cached": False})
    message = pb.ModelInferResponse.FromString(response_to_message(response, raw=raw).SerializeToString())
    has_fp16 = any(array.dtype == np.float16 for array in batch.values())
    assert bool(message.raw_output_contents) == (raw or has_fp16)
    decoded = response_from_message(message)
    assert_same_batch(decoded.outputs, batch)
    assert (decoded.model_name, decoded.model_version, decoded.id) == ("m", "2", "r-1")
    assert decoded.parameters == {"cached": False}


def test_requested_outputs_and_parameters_are_decoded() -> None:
    request = InferenceRequest(
        inputs={"x": np.zeros((1, 2), np.float32)},
        datatypes={},
        shapes={},
        parameters={"flag": True, "big": 2**63, "ratio": 0.5, "tag": "a"},
        input_parameters={"x": {"unit": "cm"}},
        outputs=(RequestedOutput("p", parameters={"top_k": 2}),),
    )
    decoded = request_from_message(over_the_wire(request_to_message(request, "m")))
    assert decoded.parameters == {"flag": True, "big": 2**63, "ratio": 0.5, "tag": "a"}
    assert decoded.input_parameters == {"x": {"unit": "cm"}}
    assert decoded.outputs == (RequestedOutput("p", None, {"top_k": 2}),)


def _message(
    datatype: str = "FP32", shape: tuple[int, ...] = (2,), **contents: list[object]
) -> pb.ModelInferRequest:
    message = pb.ModelInferRequest(model_name="m")
    tensor = message.inputs.add(name="x", datatype=datatype, shape=shape)
    for field, values in contents.items():
        getattr(tensor.contents, field).extend(values)
    return message


def _raw_message(
    raws: list[bytes], datatype: str = "FP32", shape: tuple[int, ...] = (2,)
) -> pb.ModelInferRequest:
    message = _message(datatype, shape)
    message.raw_input_contents.extend(raws)
    return message


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (_message(fp32_contents=[1.0]), "input 'x': fp32_contents has 1 values but shape [2] needs 2"),
        (
            _message(int_contents=[1, 2]),
            "input 'x': datatype FP32 belongs in fp32_contents, but the contents fill int_contents",
        ),
        (_message("INT8", int_contents=[1, 200]), "input 'x': 200 is outside the INT8 range [-128, 127]"),
        (_message("UINT16", uint_contents=[1, 70000]), "input 'x': 70000 is outside the UINT16 range"),
        (_message("FP16", (0,)), "input 'x': FP16 has no typed contents; send it in raw_input_contents"),
        (_message("FP128"), "input 'x': unknown datatype 'FP128'"),
        (_message("FP32", (-1, 2)), "input 'x': shape [-1, 2] must hold non-negative integers"),
        (
            _raw_message([b"\0" * 4]),
            "input 'x': raw_input_contents has 4 bytes but shape [2] of FP32 needs 8",
        ),
        (_raw_message([b"\0" * 8, b""]), "raw_input_contents has 2 entries but there are 1 inputs"),
        (
            _raw_message([b"\x01\0\0\0a"], "BYTES"),
            "input 'x': BYTES raw_input_contents ends after 1 of 2 elements",
        ),
        (pb.ModelInferRequest(model_name="m"), "the request has no inputs"),
    ],
)
def test_malformed_grpc_requests_are_refused_naming_the_input(
    message: pb.ModelInferRequest, text: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        request_from_message(over_the_wire(message))
    assert text in str(info.value)


def test_typed_contents_beside_raw_contents_are_refused() -> None:
    message = _message(fp32_contents=[1.0, 2.0])
    message.raw_input_contents.append(b"\0" * 8)
    with pytest.raises(
        InvalidInputError, match="input 'x' sets typed contents although the request uses raw"
    ):
        request_from_message(message)


def test_duplicate_and_unnamed_inputs_are_refused() -> None:
    message = _message(fp32_contents=[1.0, 2.0])
    message.inputs.append(message.inputs[0])
    with pytest.raises(InvalidInputError, match="input 'x' appears more than once"):
        request_from_message(message)
    with pytest.raises(InvalidInputError, match="every input needs a non-empty name"):
        request_from_message(
            pb.ModelInferRequest(inputs=[pb.ModelInferRequest.InferInputTensor(datatype="FP32")])
        )


def test_unsupported_parameter_values_are_refused() -> None:
    request = InferenceRequest(inputs={"x": np.zeros(1)}, datatypes={}, shapes={}, parameters={"bad": [1]})
    with pytest.raises(
        InvalidInputError, match="parameter 'bad': gRPC parameters are bool, int, float or str"
    ):
        request_to_message(request, "m")


def test_metadata_messages() -> None:
    server = server_metadata_message("inferd", "0.1.0", ["model_repository"])
    assert (server.name, server.version, list(server.extensions)) == ("inferd", "0.1.0", ["model_repository"])
    model = model_metadata_message(
        "churn",
        ["1"],
        "onnx_onnxv1",
        [TensorSpec("x", "float32", (-1, 30))],
        [TensorSpec("p", "float64", (-1, 2))],
    )
    assert model.inputs[0].datatype == "FP32"
    assert list(model.inputs[0].shape) == [-1, 30]
    assert model.outputs[0].name == "p"


def test_an_output_the_protocol_cannot_carry_is_internal_not_invalid_argument() -> None:
    response = InferenceResponse("m", {"phase": np.zeros(2, np.complex64)})
    with pytest.raises(InferdError, match="output 'phase' as complex64") as caught:
        response_to_message(response)
    assert caught.value.grpc_code == "INTERNAL"
