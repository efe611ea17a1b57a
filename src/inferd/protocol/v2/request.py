"""Decode an Open Inference Protocol v2 REST inference request.

The body is a JSON object, optionally followed by binary tensor data (Triton's
binary tensor data extension): the ``Inference-Header-Content-Length`` header
then gives the length of the JSON part, and each binary input carries
``parameters.binary_data_size``. Every malformation raises
:class:`~inferd.errors.InvalidInputError` naming the input and the problem.
"""

from __future__ import annotations

from typing import Any

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import DTYPES
from inferd.protocol.json_object import load_json_object
from inferd.protocol.messages import InferenceRequest, Parameters, RequestedOutput
from inferd.protocol.raw import array_from_raw
from inferd.protocol.v2.data import array_from_json
from inferd.tensors import V2_DATATYPES, Batch

_BINARY_DATA_SIZE = "binary_data_size"


def decode_request(
    body: bytes | bytearray | memoryview, header_length: int | str | None = None
) -> InferenceRequest:
    """Decode a v2 inference request body.

    ``header_length`` is the ``Inference-Header-Content-Length`` header as
    received (``None`` when absent: the whole body is JSON).
    """
    if header_length is None:  # all JSON, the common case: no view to slice
        view = None
        document = load_json_object(body)
    else:
        view = memoryview(body)
        json_end = _json_length(header_length, len(view))
        document = load_json_object(view[:json_end])
    inputs = _list_of_objects(document, "inputs", required=True)
    decoder = _InputDecoder(view, json_end if view is not None else 0)
    for index, spec in enumerate(inputs):
        decoder.decode(index, spec)
    decoder.finish()
    parameters = _parameters(document.get("parameters"), "request")
    binary_data_output = parameters.pop("binary_data_output", False) if parameters else False
    if not isinstance(binary_data_output, bool):
        raise InvalidInputError("request parameter 'binary_data_output' must be true or false")
    outputs = document.get("outputs")
    return InferenceRequest(
        decoder.arrays,
        decoder.datatypes,
        decoder.shapes,
        _request_id(document.get("id")),
        parameters,
        decoder.parameters,
        () if outputs is None else tuple(map(_requested_output, _list_of_objects(document, "outputs"))),
        binary_data_output,
    )


def _json_length(header_length: int | str | None, body_length: int) -> int:
    if header_length is None:
        return body_length
    try:
        length = int(header_length)
    except ValueError:
        raise InvalidInputError(
            f"Inference-Header-Content-Length must be an integer, got {header_length!r}"
        ) from None
    if length < 0 or length > body_length:
        raise InvalidInputError(
            f"Inference-Header-Content-Length is {length} but the body has {body_length} bytes"
        )
    return length


def _list_of_objects(document: dict[str, Any], key: str, required: bool = False) -> list[dict[str, Any]]:
    items = document.get(key)
    if items is None and not required:
        return []
    if not isinstance(items, list) or (required and not items):
        raise InvalidInputError(f"request '{key}' must be a non-empty list of objects")
    for index, item in enumerate(items):
        if type(item) is not dict:
            raise InvalidInputError(
                f"request '{key}' item {index} must be an object, got {type(item).__name__}"
            )
    return items


def _parameters(value: object, kind: str, name: str = "") -> Parameters:
    """A copy of a ``parameters`` object; ``kind`` and ``name`` say whose, for errors."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        owner = f"{kind} {name!r}" if name else kind
        raise InvalidInputError(f"{owner} 'parameters' must be an object, got {type(value).__name__}")
    return dict(value)


def _request_id(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidInputError(f"request 'id' must be a string, got {type(value).__name__}")


def _requested_output(spec: dict[str, Any]) -> RequestedOutput:
    name = spec.get("name")
    if not isinstance(name, str):
        raise InvalidInputError(f"every requested output needs a string 'name', got {name!r:.40}")
    parameters = _parameters(spec.get("parameters"), "output", name)
    binary_data = parameters.pop("binary_data", None)
    if binary_data is not None and not isinstance(binary_data, bool):
        raise InvalidInputError(f"output {name!r}: parameter 'binary_data' must be true or false")
    return RequestedOutput(name=name, binary_data=binary_data, parameters=parameters)


class _InputDecoder:
    """Decodes inputs in order, consuming the binary region behind the JSON."""

    __slots__ = ("arrays", "datatypes", "offset", "parameters", "shapes", "view")

    def __init__(self, view: memoryview | None, json_end: int) -> None:
        self.view = view  # None: no Inference-Header-Content-Length, so no binary data may follow
        self.offset = json_end
        self.arrays: Batch = {}
        self.datatypes: dict[str, str] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.parameters: dict[str, Parameters] = {}

    def decode(self, index: int, spec: dict[str, Any]) -> None:
        name = _input_name(index, spec)
        if name in self.arrays:
            raise InvalidInputError(f"input {name!r} appears more than once")
        datatype = _datatype(name, spec.get("datatype"))
        shape = _shape(name, spec.get("shape"))
        parameters = _parameters(spec.get("parameters"), "input", name)
        size = parameters.pop(_BINARY_DATA_SIZE, None) if parameters else None
        if size is None:
            if "data" not in spec:
                raise InvalidInputError(f"input {name!r} has neither 'data' nor a binary_data_size parameter")
            array = array_from_json(name, datatype, shape, spec["data"])
        else:
            array = array_from_raw(name, datatype, shape, self._take(name, size))
        self.arrays[name] = array
        self.datatypes[name] = datatype
        self.shapes[name] = shape
        if parameters:
            self.parameters[name] = parameters

    def _take(self, name: str, size: object) -> memoryview:
        view = self.view
        if view is None:
            raise InvalidInputError(
                f"input {name!r} has binary_data_size but the request has no Inference-Header-Content-Length"
            )
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidInputError(f"input {name!r}: binary_data_size must be a non-negative integer")
        end = self.offset + size
        if end > len(view):
            raise InvalidInputError(
                f"input {name!r}: binary_data_size is {size} but only {len(view) - self.offset} "
                "bytes of binary data remain in the body"
            )
        chunk = view[self.offset : end]
        self.offset = end
        return chunk

    def finish(self) -> None:
        if self.view is None:
            return
        extra = len(self.view) - self.offset
        if extra:
            raise InvalidInputError(
                f"the body has {extra} bytes of binary data beyond what the inputs' binary_data_size declare"
            )


def _input_name(index: int, spec: dict[str, Any]) -> str:
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"input {index} needs a non-empty string 'name', got {name!r:.40}")
    return name


def _datatype(name: str, datatype: object) -> str:
    if type(datatype) is not str or datatype not in DTYPES:
        raise InvalidInputError(
            f"input {name!r}: unknown datatype {datatype!r:.40}; expected one of {', '.join(V2_DATATYPES)}"
        )
    return datatype


def _shape(name: str, shape: object) -> tuple[int, ...]:
    if type(shape) is not list:
        raise InvalidInputError(f"input {name!r}: 'shape' must be a list of non-negative integers")
    for dim in shape:
        if type(dim) is not int or dim < 0:  # bool is an int subclass: refused too
            raise InvalidInputError(
                f"input {name!r}: shape {shape!r:.60} must hold non-negative integers, got {dim!r:.20}"
            )
    return tuple(shape)
