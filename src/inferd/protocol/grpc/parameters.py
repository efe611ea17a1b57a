"""``map<string, InferParameter>`` <-> ``dict[str, bool | int | float | str]``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inferd.errors import InvalidInputError
from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.protocol.messages import Parameters

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


def parameters_from_message(parameters: Mapping[str, pb.InferParameter]) -> Parameters:
    """The Python values of a parameter map (an unset choice reads as ``None``)."""
    return {
        key: getattr(value, choice) if (choice := value.WhichOneof("parameter_choice")) else None
        for key, value in parameters.items()
    }


def parameters_to_message(values: Mapping[str, Any], target: Any) -> None:
    """Fill the parameter map ``target`` (a message field) from ``values``."""
    for key, value in values.items():
        set_parameter(target[key], key, value)


def set_parameter(parameter: pb.InferParameter, key: str, value: object) -> None:
    """Store ``value`` in the matching ``InferParameter`` choice."""
    if isinstance(value, bool):
        parameter.bool_param = value
    elif isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            parameter.int64_param = value
        elif 0 <= value < 2**64:
            parameter.uint64_param = value
        else:
            raise InvalidInputError(f"parameter {key!r}: {value} does not fit in 64 bits")
    elif isinstance(value, float):
        parameter.double_param = value
    elif isinstance(value, str):
        parameter.string_param = value
    else:
        raise InvalidInputError(
            f"parameter {key!r}: gRPC parameters are bool, int, float or str, got {type(value).__name__}"
        )
