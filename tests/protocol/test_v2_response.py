"""Encoding v2 REST responses and the small bodies, read back by tritonclient.http."""

from __future__ import annotations

import re

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tritonclient.http import InferenceServerClient

from inferd.errors import InferdError, InvalidInputError, NotFoundError
from inferd.protocol import InferenceResponse
from inferd.protocol.datatypes import datatype_of
from inferd.protocol.v2 import (
    encode_error,
    encode_live,
    encode_model_metadata,
    encode_model_ready,
    encode_ready,
    encode_response,
    encode_server_metadata,
)
from inferd.tensors import TensorSpec

from .strategies import batches


@settings(max_examples=60, deadline=None)
@given(batches(), st.data())
def test_responses_read_back_by_tritonclient_equal_the_outputs(
    batch: dict[str, np.ndarray], data: st.DataObject
) -> None:
    binary = frozenset(name for name in batch if data.draw(st.booleans(), label=name))
    # JSON carries finite floats and UTF-8 text only; those outputs must be binary.
    for name, array in batch.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            binary |= {name}
        if array.dtype.kind == "O" and not all(_is_utf8(item) for item in array.ravel()):
            binary |= {name}
    response = InferenceResponse("m", batch, model_version="3", id="r-1", binary_outputs=binary)
    body, header_length = encode_response(response)
    assert (header_length is None) == (not binary)
    result = InferenceServerClient.parse_response_body(body, header_length=header_length)
    envelope = result.get_response()
    assert (envelope["model_name"], envelope["model_version"], envelope["id"]) == ("m", "3", "r-1")
    for name, original in batch.items():
        decoded = result.as_numpy(name)
        assert decoded.shape == original.shape, name
        if original.dtype.kind == "O":
            # tritonclient gives str for JSON BYTES and bytes for binary ones.
            back = [item.encode() if isinstance(item, str) else bytes(item) for item in decoded.ravel()]
            assert back == list(original.ravel()), name
        elif original.size == 0 and name in binary:
            # tritonclient reads a zero-byte binary output as np.empty(0) (float64), whatever its datatype.
            assert envelope["outputs"][list(batch).index(name)]["datatype"] == datatype_of(original), name
        else:
            assert decoded.dtype == original.dtype, name
            np.testing.assert_array_equal(decoded, original)


def _is_utf8(item: bytes) -> bool:
    try:
        item.decode()
    except UnicodeDecodeError:
        return False
    return True


def test_a_plain_json_response_has_flat_data_and_omits_what_is_unset() -> None:
    outputs = {"p": np.array([[0.25, 0.75]], dtype=np.float32), "label": np.array(["yes"], dtype=object)}
    body, header_length = encode_response(InferenceResponse("m", outputs))
    assert header_length is None
    assert orjson.loads(body) == {
        "model_name": "m",
        "outputs": [
            {"name": "p", "datatype": "FP32", "shape": [1, 2], "data": [0.25, 0.75]},
            {"name": "label", "datatype": "BYTES", "shape": [1], "data": ["yes"]},
        ],
    }


def test_binary_outputs_follow_the_json_with_their_size() -> None:
    outputs = {"p": np.array([[0.25, 0.75]], dtype=np.float32)}
    body, header_length = encode_response(InferenceResponse("m", outputs, binary_outputs=frozenset({"p"})))
    assert header_length is not None
    header = orjson.loads(body[:header_length])
    assert header["outputs"][0]["parameters"] == {"binary_data_size": 8}
    assert body[header_length:] == outputs["p"].tobytes()


def test_text_outputs_of_every_numpy_form_travel_as_binary_bytes() -> None:
    # A scikit-learn classifier trained on string labels answers with str (a '<U' array, or
    # objects); asked for binary output, each element goes out as its UTF-8 bytes.
    outputs = {
        "unicode": np.array(["sétosa", "virginica"]),
        "objects": np.array(["sétosa", b"raw", np.bytes_(b"np"), bytearray(b"ba"), 7], dtype=object),
    }
    response = InferenceResponse("m", outputs, binary_outputs=frozenset(outputs))
    body, header_length = encode_response(response)
    result = InferenceServerClient.parse_response_body(body, header_length=header_length)
    assert result.as_numpy("unicode").tolist() == ["sétosa".encode(), b"virginica"]
    assert result.as_numpy("objects").tolist() == ["sétosa".encode(), b"raw", b"np", b"ba", b"7"]


def test_non_utf8_bytes_in_a_json_output_ask_for_binary() -> None:
    outputs = {"blob": np.array([b"\xff\xfe"], dtype=object)}
    with pytest.raises(InvalidInputError, match=r"output .blob. .* binary_data"):
        encode_response(InferenceResponse("m", outputs))


def test_response_parameters_are_encoded() -> None:
    body, _ = encode_response(InferenceResponse("m", {"y": np.zeros(1)}, parameters={"cached": True}))
    assert orjson.loads(body)["parameters"] == {"cached": True}


def test_server_metadata_body() -> None:
    body = encode_server_metadata("inferd", "0.1.0", ["binary_tensor_data", "model_repository"])
    assert orjson.loads(body) == {
        "name": "inferd",
        "version": "0.1.0",
        "extensions": ["binary_tensor_data", "model_repository"],
    }


def test_model_metadata_body_lists_tensors_with_variable_dimensions() -> None:
    inputs = [TensorSpec("x", "float32", (-1, 30)), TensorSpec("city", "object", (-1,))]
    outputs = [TensorSpec("p", "float64", (-1, 2))]
    body = encode_model_metadata("churn", ["1", "2"], "sklearn_skops", inputs, outputs)
    assert orjson.loads(body) == {
        "name": "churn",
        "versions": ["1", "2"],
        "platform": "sklearn_skops",
        "inputs": [
            {"name": "x", "datatype": "FP32", "shape": [-1, 30]},
            {"name": "city", "datatype": "BYTES", "shape": [-1]},
        ],
        "outputs": [{"name": "p", "datatype": "FP64", "shape": [-1, 2]}],
    }


def test_health_and_error_bodies() -> None:
    assert orjson.loads(encode_live(True)) == {"live": True}
    assert orjson.loads(encode_ready(False)) == {"ready": False}
    assert orjson.loads(encode_model_ready("churn", True)) == {"name": "churn", "ready": True}
    assert orjson.loads(encode_error(NotFoundError("model 'x' not found"))) == {
        "error": "model 'x' not found"
    }
    assert orjson.loads(encode_error("bad")) == {"error": "bad"}


@pytest.mark.parametrize("dtype", ["complex128", "datetime64[ns]"])
def test_an_output_the_protocol_cannot_carry_is_the_servers_error_not_the_clients(dtype: str) -> None:
    outputs = {"label": np.array([1], np.int64), "phase": np.zeros(1, dtype)}
    with pytest.raises(InferdError, match=f"output 'phase' as {re.escape(dtype)}") as caught:
        encode_response(InferenceResponse("m", outputs))
    assert not isinstance(caught.value, InvalidInputError)
    assert caught.value.http_status == 500
