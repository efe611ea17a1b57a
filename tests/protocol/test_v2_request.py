"""Decoding v2 REST inference requests, as real clients (tritonclient.http) send them."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tritonclient.http import InferenceServerClient, InferInput, InferRequestedOutput

from inferd.errors import InvalidInputError
from inferd.protocol.v2 import decode_request
from inferd.tensors import v2_datatype

from .strategies import batches


def client_body(
    batch: dict[str, np.ndarray], binary: bool, outputs: list[InferRequestedOutput] | None = None
) -> tuple[bytes, int | None]:
    inputs = []
    for name, array in batch.items():
        tensor = InferInput(name, list(array.shape), v2_datatype(array.dtype))
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    body, json_size = InferenceServerClient.generate_request_body(inputs, outputs=outputs, request_id="r-1")
    return body, json_size


def assert_decoded(batch: dict[str, np.ndarray], body: bytes, json_size: int | None) -> None:
    request = decode_request(body, json_size)
    assert list(request.inputs) == list(batch)
    for name, original in batch.items():
        decoded = request.inputs[name]
        assert decoded.dtype == original.dtype, name
        assert decoded.shape == original.shape, name
        np.testing.assert_array_equal(decoded, original)
        assert request.datatypes[name] == v2_datatype(original.dtype)
        assert request.shapes[name] == original.shape
    assert request.id == "r-1"


@settings(max_examples=60, deadline=None)
@given(batches(finite=True))
def test_json_requests_from_tritonclient_round_trip_every_datatype(batch: dict[str, np.ndarray]) -> None:
    body, json_size = client_body(batch, binary=False)
    assert json_size is None
    assert_decoded(batch, body, json_size)


@settings(max_examples=60, deadline=None)
@given(batches())
def test_binary_requests_from_tritonclient_round_trip_every_datatype(batch: dict[str, np.ndarray]) -> None:
    body, json_size = client_body(batch, binary=True)
    assert_decoded(batch, body, json_size)


@settings(max_examples=30, deadline=None)
@given(batches(finite=True), st.data())
def test_json_and_binary_inputs_mix_in_one_request(batch: dict[str, np.ndarray], data: st.DataObject) -> None:
    inputs = []
    for name, array in batch.items():
        tensor = InferInput(name, list(array.shape), v2_datatype(array.dtype))
        tensor.set_data_from_numpy(array, binary_data=data.draw(st.booleans(), label=name))
        inputs.append(tensor)
    body, json_size = InferenceServerClient.generate_request_body(inputs, request_id="r-1")
    assert_decoded(batch, body, json_size)


def test_binary_inputs_are_zero_copy_views_of_the_body() -> None:
    array = np.arange(30, dtype=np.float32).reshape(1, 30)
    body, json_size = client_body({"x": array}, binary=True)
    decoded = decode_request(body, json_size).inputs["x"]
    assert not decoded.flags.writeable
    assert np.shares_memory(decoded, np.frombuffer(body, dtype=np.uint8))


def test_requested_outputs_carry_their_binary_wish() -> None:
    outputs = [
        InferRequestedOutput("probabilities", binary_data=True),
        InferRequestedOutput("label", binary_data=False),
    ]
    body, json_size = client_body({"x": np.zeros((1, 3), np.float32)}, binary=False, outputs=outputs)
    request = decode_request(body, json_size)
    assert request.output_names == ("probabilities", "label")
    assert request.binary_outputs(["probabilities", "label"]) == {"probabilities"}


def test_without_requested_outputs_tritonclient_asks_every_output_in_binary() -> None:
    body, json_size = client_body({"x": np.zeros((1, 3), np.float32)}, binary=False)
    request = decode_request(body, json_size)
    assert request.outputs == ()
    assert request.binary_data_output is True
    assert request.binary_outputs(["a", "b"]) == {"a", "b"}


def test_nested_json_data_is_accepted_row_major() -> None:
    body = orjson.dumps(
        {"inputs": [{"name": "x", "shape": [2, 3], "datatype": "INT32", "data": [[1, 2, 3], [4, 5, 6]]}]}
    )
    decoded = decode_request(body).inputs["x"]
    np.testing.assert_array_equal(decoded, np.arange(1, 7, dtype=np.int32).reshape(2, 3))


def test_parameters_and_id_are_kept_and_header_may_be_a_string() -> None:
    document = {
        "id": "abc",
        "parameters": {"priority": 2, "binary_data_output": False},
        "inputs": [
            {"name": "x", "shape": [1], "datatype": "FP64", "parameters": {"unit": "cm"}, "data": [1.5]}
        ],
        "outputs": [{"name": "y", "parameters": {"top_k": 3}}],
    }
    body = orjson.dumps(document)
    request = decode_request(body, str(len(body)))
    assert request.id == "abc"
    assert request.parameters == {"priority": 2}
    assert request.input_parameters == {"x": {"unit": "cm"}}
    assert request.outputs[0].parameters == {"top_k": 3}
    assert request.outputs[0].binary_data is None


def _one_input(**fields: object) -> bytes:
    tensor = {"name": "age", "shape": [1, 2], "datatype": "FP32", "data": [1.0, 2.0]}
    tensor.update(fields)
    return orjson.dumps({"inputs": [tensor]})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_one_input(data=[1.0]), "input 'age': data has 1 values but shape [1, 2] needs 2"),
        (_one_input(datatype="FP128"), "input 'age': unknown datatype 'FP128'"),
        (_one_input(datatype=None), "input 'age': unknown datatype None"),
        (_one_input(shape=[1, -2]), "input 'age': shape [1, -2] must hold non-negative integers"),
        (_one_input(shape="12"), "input 'age': 'shape' must be a list"),
        (_one_input(data=[1.0, "2"]), "input 'age': FP32 data must hold only numbers, got strings"),
        (
            _one_input(data=[1.0, None]),
            "input 'age': FP32 data must hold only numbers, got a mix of float, null",
        ),
        (_one_input(data=[True, False]), "input 'age': FP32 data must hold only numbers, got booleans"),
        (_one_input(data=[[1.0], [2.0, 3.0]]), "input 'age': nested data is ragged"),
        (_one_input(data="1,2"), "input 'age': 'data' must be a list, got str"),
        (
            _one_input(datatype="INT8", data=[1, 300]),
            "input 'age': 300 is outside the INT8 range [-128, 127]",
        ),
        (_one_input(datatype="UINT32", data=[1, -1]), "input 'age': -1 is outside the UINT32 range"),
        (
            _one_input(datatype="INT32", data=[1, 2.5]),
            "input 'age': INT32 data must hold only integers, got numbers",
        ),
        (
            _one_input(datatype="BOOL", data=[1, 0]),
            "input 'age': BOOL data must hold only booleans, got integers",
        ),
        (
            _one_input(datatype="BYTES", data=["a", 2]),
            "input 'age': BYTES data must hold only strings, got int 2",
        ),
        (_one_input(data=None), "input 'age': 'data' must be a list, got NoneType"),
        (_one_input(parameters=[1]), "input 'age' 'parameters' must be an object"),
        (
            orjson.dumps({"inputs": [{"name": "age", "shape": [1], "datatype": "FP32"}]}),
            "input 'age' has neither",
        ),
        (
            orjson.dumps({"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}),
            "input 0 needs a non-empty",
        ),
        (orjson.dumps({"inputs": []}), "request 'inputs' must be a non-empty list"),
        (orjson.dumps({}), "request 'inputs' must be a non-empty list"),
        (orjson.dumps({"inputs": [3]}), "request 'inputs' item 0 must be an object, got int"),
        (orjson.dumps([1]), "request body must be a JSON object, got list"),
        (b"{not json", "request body is not valid JSON"),
        (b"", "request body is not valid JSON"),
        (
            orjson.dumps({"id": 7, "inputs": [{"name": "a", "shape": [0], "datatype": "FP32", "data": []}]}),
            "'id'",
        ),
        (
            orjson.dumps(
                {"inputs": [{"name": "a", "shape": [0], "datatype": "FP32", "data": []}], "outputs": [{}]}
            ),
            "'name'",
        ),
    ],
)
def test_malformed_json_requests_are_refused_with_a_message_that_names_the_problem(
    body: bytes, message: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        decode_request(body)
    assert message in str(info.value)


def test_duplicate_input_names_are_refused() -> None:
    tensor = {"name": "a", "shape": [1], "datatype": "FP32", "data": [1.0]}
    with pytest.raises(InvalidInputError, match="input 'a' appears more than once"):
        decode_request(orjson.dumps({"inputs": [tensor, tensor]}))


def _binary_body(
    size: object, payload: bytes, datatype: str = "FP32", shape: list[int] | None = None
) -> tuple[bytes, int]:
    header = orjson.dumps(
        {
            "inputs": [
                {
                    "name": "x",
                    "shape": shape or [2],
                    "datatype": datatype,
                    "parameters": {"binary_data_size": size},
                }
            ]
        }
    )
    return header + payload, len(header)


@pytest.mark.parametrize(
    ("size", "payload", "datatype", "message"),
    [
        (4, b"\0" * 4, "FP32", "input 'x': binary data has 4 bytes but shape [2] of FP32 needs 8"),
        (16, b"\0" * 8, "FP32", "input 'x': binary_data_size is 16 but only 8 bytes of binary data remain"),
        (8, b"\0" * 12, "FP32", "4 bytes of binary data beyond"),
        (-1, b"", "FP32", "input 'x': binary_data_size must be a non-negative integer"),
        ("8", b"\0" * 8, "FP32", "input 'x': binary_data_size must be a non-negative integer"),
        (2, b"\x01\x02", "BOOL", "input 'x': BOOL binary data holds bytes other than 0 and 1"),
        (10, b"\x01\0\0\0a\x09\0\0\0b", "BYTES", "input 'x': BYTES element 1 claims 9 bytes but only 1"),
        (5, b"\x01\0\0\0a", "BYTES", "input 'x': BYTES binary data ends after 1 of 2 elements"),
        (
            12,
            b"\x01\0\0\0a\x01\0\0\0b!!",
            "BYTES",
            "input 'x': BYTES binary data has 2 bytes beyond its 2 elements",
        ),
    ],
)
def test_malformed_binary_data_is_refused_naming_the_input(
    size: object, payload: bytes, datatype: str, message: str
) -> None:
    body, header_length = _binary_body(size, payload, datatype)
    with pytest.raises(InvalidInputError) as info:
        decode_request(body, header_length)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("header_length", "message"),
    [
        (10_000, "Inference-Header-Content-Length is 10000 but the body has"),
        (-3, "is -3"),
        ("ten", "must be an integer"),
    ],
)
def test_a_header_length_beyond_the_body_is_refused(header_length: object, message: str) -> None:
    body, _ = _binary_body(8, b"\0" * 8)
    with pytest.raises(InvalidInputError, match=message):
        decode_request(body, header_length)  # type: ignore[arg-type]


def test_binary_data_without_the_header_is_refused() -> None:
    body, _ = _binary_body(8, b"")
    with pytest.raises(InvalidInputError, match="no Inference-Header-Content-Length"):
        decode_request(body)


def test_fp16_is_accepted_as_json_numbers() -> None:
    body = orjson.dumps({"inputs": [{"name": "h", "shape": [2], "datatype": "FP16", "data": [0.5, 2]}]})
    decoded = decode_request(body).inputs["h"]
    assert decoded.dtype == np.float16
    np.testing.assert_array_equal(decoded, [0.5, 2.0])


def test_uint64_beyond_int64_is_exact_in_json_and_beyond_64_bits_is_refused() -> None:
    big = {"name": "u", "shape": [2], "datatype": "UINT64", "data": [2**64 - 1, 0]}
    np.testing.assert_array_equal(
        decode_request(orjson.dumps({"inputs": [big]})).inputs["u"], np.array([2**64 - 1, 0], dtype=np.uint64)
    )
    too_big = b'{"inputs":[{"name":"u","shape":[2],"datatype":"UINT64","data":[18446744073709551616,0]}]}'
    with pytest.raises(InvalidInputError, match="input 'u'"):
        decode_request(too_big)


def _json_input(datatype: str, data: list[object]) -> bytes:
    return orjson.dumps({"inputs": [{"name": "x", "shape": [len(data)], "datatype": datatype, "data": data}]})


JSON_NUMBERS = st.one_of(  # what orjson carries: integers of 64 bits at most
    st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**63), 2**64 - 1), st.booleans()
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["FP16", "FP32", "FP64"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(JSON_NUMBERS, max_size=40),
)
def test_a_flat_list_of_numbers_is_what_numpy_makes_of_it_and_the_array_is_the_servers_own(
    datatype: str, first: float, rest: list[object]
) -> None:
    # Lists that start with a float are packed by struct rather than inferred by numpy: same values.
    data = [first, *rest]
    with np.errstate(over="ignore"):  # FP16 overflows to inf either way
        decoded = decode_request(_json_input(datatype, data)).inputs["x"]
        expected = np.asarray(data).astype(decoded.dtype)
    assert decoded.dtype == {"FP16": np.float16, "FP32": np.float32, "FP64": np.float64}[datatype]
    np.testing.assert_array_equal(decoded, expected)
    decoded[0] = 0  # writable: later steps may fill or scale in place


@pytest.mark.parametrize(
    ("odd", "message"),
    [
        (None, "FP32 data must hold only numbers, got a mix of float, null"),
        ("1.5", "FP32 data must hold only numbers, got strings"),
        ([1.0], "nested data is ragged"),
    ],
)
def test_a_list_that_starts_with_a_float_and_holds_something_else_is_refused_naming_it(
    odd: object, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=rf"input 'x': {message}"):
        decode_request(_json_input("FP32", [1.5, 2.5, odd]))
