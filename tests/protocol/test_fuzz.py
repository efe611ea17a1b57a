"""Whatever a client sends, the codecs answer with InvalidInputError (a 400), never a 500."""

from __future__ import annotations

import contextlib

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InvalidInputError
from inferd.protocol.records import decode_records
from inferd.protocol.v2 import decode_request
from inferd.tensors import V2_DATATYPES

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)

input_specs = st.fixed_dictionaries(
    {},
    optional={
        "name": st.just("x") | json_values,
        "shape": st.lists(st.integers(-1, 3), max_size=3) | json_values,
        "datatype": st.sampled_from(V2_DATATYPES) | json_values,
        "data": st.lists(json_values, max_size=6) | json_values,
        "parameters": st.fixed_dictionaries({"binary_data_size": st.integers(-1, 16) | json_values})
        | json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries(
        {"inputs": st.lists(input_specs, max_size=2) | json_values},
        optional={"id": json_values, "parameters": json_values, "outputs": json_values},
    ),
    st.binary(max_size=24),
    st.none() | st.integers(-2, 400) | st.text(max_size=3),
)
def test_any_v2_request_decodes_or_fails_as_invalid_input(
    document: object, tail: bytes, header: object
) -> None:
    header_json = orjson.dumps(document)
    body = header_json + tail if header is not None else header_json
    with contextlib.suppress(InvalidInputError):
        decode_request(body, header)


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "instances": st.lists(
                st.dictionaries(st.sampled_from("abc"), json_values, max_size=3), max_size=4
            )
            | json_values,
            "inputs": st.dictionaries(st.sampled_from("abc"), st.lists(json_values, max_size=3))
            | json_values,
            "id": json_values,
        },
    )
)
def test_any_records_request_decodes_or_fails_as_invalid_input(document: dict[str, object]) -> None:
    with contextlib.suppress(InvalidInputError):
        decode_records(orjson.dumps(document))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64), st.none() | st.integers(0, 64))
def test_arbitrary_bytes_fail_as_invalid_input(body: bytes, header: int | None) -> None:
    with contextlib.suppress(InvalidInputError):
        decode_request(body, header)
