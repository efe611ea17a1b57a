"""The friendly records JSON API.

Requests are either rows, ``{"instances": [{"age": 41, "city": "Oslo"}, ...]}``,
or columns, ``{"inputs": {"age": [41, 37], "city": ["Oslo", "Lima"]}}``; both
may carry ``"id"`` and ``"parameters"``. Each field becomes one column of the
Batch:

- integers -> int64; numbers with a fraction -> float64; booleans -> bool;
- strings -> object arrays of ``str``;
- lists of numbers of one length (an embedding per row) -> a 2-D float64 array;
- null, or a key missing from a row, is NaN in a numeric column and ``None``
  in an object column (an integer column with a null becomes float64).

Responses are ``{"predictions": [{"<output>": value, ...}, ...]}`` with one
object per row; a 2-D output (class probabilities) gives a list per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import datatype_of
from inferd.protocol.json_object import load_json_object
from inferd.protocol.messages import InferenceRequest
from inferd.tensors import Batch

_NONE = type(None)
_DUMPS_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def decode_records(body: bytes | bytearray | memoryview) -> InferenceRequest:
    """Decode a records request (rows or columns) into an :class:`InferenceRequest`."""
    document = load_json_object(body)
    if "instances" in document:
        columns = columns_from_rows(document["instances"])
    elif "inputs" in document:
        columns = columns_from_lists(document["inputs"])
    else:
        raise InvalidInputError('request body needs "instances" (a list of objects) or "inputs" (columns)')
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidInputError(f"request 'id' must be a string, got {type(request_id).__name__}")
    parameters = document.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise InvalidInputError("request 'parameters' must be an object")
    return InferenceRequest(
        inputs=columns,
        datatypes={name: datatype_of(array) for name, array in columns.items()},
        shapes={name: array.shape for name, array in columns.items()},
        id=request_id,
        parameters=parameters,
    )


def columns_from_rows(instances: object) -> Batch:
    """Turn a list of row objects into columns; rows may omit keys (null there)."""
    if not isinstance(instances, list) or not instances:
        raise InvalidInputError('"instances" must be a non-empty list of objects, one per row')
    numeric = _numeric_columns(instances)
    if numeric is not None:
        return numeric
    names: dict[str, None] = {}
    for index, row in enumerate(instances):
        if not isinstance(row, dict):
            raise InvalidInputError(
                f"instance {index} must be an object of field: value, got {type(row).__name__}"
            )
        names.update(dict.fromkeys(row))
    return {name: column(name, [row.get(name) for row in instances]) for name in names}


def _numeric_columns(instances: list[Any]) -> Batch | None:
    """The fast path for the common case: rows of numbers with the same keys, each
    field all-int or all-float. Two numpy calls instead of one per field; ``None``
    when the rows do not fit, and the general path decides.
    """
    first = instances[0]
    if not isinstance(first, dict) or not first:
        return None
    keys = tuple(first)
    types = tuple(map(type, first.values()))
    if not set(types) <= {int, float}:
        return None
    for row in instances:
        if not isinstance(row, dict) or tuple(row) != keys or tuple(map(type, row.values())) != types:
            return None
    values = [list(row.values()) for row in instances]
    try:
        columns = np.array(values, dtype=np.float64).T.copy()
        batch = dict(zip(keys, columns, strict=True))
        if int in types:
            ints = [index for index, kind in enumerate(types) if kind is int]
            exact = np.array([[row[index] for index in ints] for row in values], dtype=np.int64).T.copy()
            batch.update(zip([keys[index] for index in ints], exact, strict=True))
    except OverflowError:
        return None
    return batch


def columns_from_lists(inputs: object) -> Batch:
    """Turn ``{"field": [values...]}`` into columns; every list must have the same length."""
    if not isinstance(inputs, dict) or not inputs:
        raise InvalidInputError('"inputs" must be a non-empty object of field: [values, one per row]')
    lengths = set()
    columns: Batch = {}
    for name, values in inputs.items():
        if not isinstance(values, list):
            raise InvalidInputError(f"field {name!r}: expected a list of values, one per row")
        lengths.add(len(values))
        columns[name] = column(name, values)
    if len(lengths) > 1:
        detail = ", ".join(f"{name!r}: {len(array)}" for name, array in columns.items())
        raise InvalidInputError(f"fields have different numbers of rows ({detail})")
    return columns


def column(name: str, values: list[Any]) -> np.ndarray:
    """One column from its JSON values (see the module docstring for the rules)."""
    kinds = set(map(type, values))
    has_null = _NONE in kinds
    kinds.discard(_NONE)
    try:
        if kinds <= {int, float}:
            dtype = np.int64 if kinds == {int} and not has_null else np.float64
            return np.array(values, dtype=dtype)
        if kinds == {bool} and not has_null:
            return np.array(values, dtype=bool)
        if kinds in ({str}, {bool}):
            return _objects(values)
        if kinds == {list} and not has_null:
            return np.array(values, dtype=np.float64)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInputError(f"field {name!r}: {_explain(values, exc)}") from None
    raise InvalidInputError(f"field {name!r}: {_mixed(values, kinds)}")


def _objects(values: list[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _explain(values: list[Any], exc: Exception) -> str:
    if isinstance(exc, OverflowError):
        return "an integer does not fit in 64 bits"
    if values and isinstance(values[0], list):
        return "every row must hold a list of numbers of the same length"
    return str(exc)


def _mixed(values: list[Any], kinds: set[type]) -> str:
    present = [(row, value) for row, value in enumerate(values) if value is not None]
    first = type(present[0][1])
    numbers = {int, float}
    for row, value in present:
        kind = type(value)
        if kind is not first and not {kind, first} <= numbers:
            return (
                f"row {row} holds {kind.__name__} {value!r:.40} but earlier rows hold "
                f"{first.__name__}; a field must have one type"
            )
    names = ", ".join(sorted(kind.__name__ for kind in kinds))
    return f"values of type {names} are not supported in records"


def encode_predictions(
    outputs: Mapping[str, np.ndarray],
    model_version: str | None = None,
    request_id: str | None = None,
    model_name: str | None = None,
    prediction_id: str | None = None,
) -> bytes:
    """``{"predictions": [{output: value, ...} per row], "model_version", "id", "prediction_id"}``.

    ``id`` is ``request_id``, else ``prediction_id``, else null. Outputs must agree on
    the number of rows. Bytes values are decoded as UTF-8.
    """
    names = list(outputs)
    lists = [_row_values(name, outputs[name]) for name in names]
    rows = {len(values) for values in lists}
    if len(rows) > 1:
        detail = ", ".join(f"{name!r}: {len(values)}" for name, values in zip(names, lists, strict=True))
        raise InvalidInputError(f"outputs disagree on the number of rows ({detail})")
    document: dict[str, Any] = {
        "predictions": [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]
    }
    if model_name is not None:
        document["model_name"] = model_name
    if model_version is not None:
        document["model_version"] = model_version
    # Always there, as clients read it: the request's own id, else the id its record was logged under.
    document["id"] = request_id if request_id is not None else prediction_id
    if prediction_id is not None:
        document["prediction_id"] = prediction_id
    return orjson.dumps(document, option=_DUMPS_OPTIONS)


def _row_values(name: str, array: np.ndarray) -> list[Any]:
    if array.ndim == 0:
        raise InvalidInputError(f"output {name!r} is a scalar; records need one value per row")
    if array.dtype.kind != "O":
        return list(np.ascontiguousarray(array)) if array.ndim > 1 else array.tolist()
    return [_jsonable(item) for item in array.tolist()]


def _jsonable(item: object) -> object:
    if isinstance(item, bytes):
        return item.decode("utf-8", errors="replace")
    if isinstance(item, list):
        return [_jsonable(value) for value in item]
    return item
