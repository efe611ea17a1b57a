"""``ModelInferRequest`` / ``ModelInferResponse`` <-> :class:`InferenceRequest` / :class:`InferenceResponse`.

The server side (:func:`request_from_message`, :func:`response_to_message`)
accepts inputs in typed ``contents`` or in ``raw_input_contents`` (never both,
as the protocol says) and answers in ``raw_output_contents`` as Triton does.
The client side (:func:`request_to_message`, :func:`response_from_message`)
mirrors it. Model name and version stay on the message: the edge routes with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import datatype_of
from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.protocol.grpc.contents import CONTENTS_FIELDS, array_from_contents, fill_contents
from inferd.protocol.grpc.parameters import parameters_from_message, parameters_to_message
from inferd.protocol.messages import InferenceRequest, InferenceResponse, RequestedOutput
from inferd.protocol.raw import array_from_raw, raw_from_array
from inferd.tensors import V2_DATATYPES, Batch

_InputTensor = pb.ModelInferRequest.InferInputTensor
_OutputTensor = pb.ModelInferResponse.InferOutputTensor


def request_from_message(message: pb.ModelInferRequest) -> InferenceRequest:
    """Decode a gRPC inference request; errors name the input and the problem."""
    if not message.inputs:
        raise InvalidInputError("the request has no inputs")
    arrays = _arrays(message.inputs, message.raw_input_contents, "raw_input_contents", "input")
    input_parameters = {tensor.name: parameters_from_message(tensor.parameters) for tensor in message.inputs}
    parameters = parameters_from_message(message.parameters)
    binary_data_output = bool(parameters.pop("binary_data_output", False))
    return InferenceRequest(
        inputs=arrays,
        datatypes={tensor.name: tensor.datatype for tensor in message.inputs},
        shapes={tensor.name: tuple(tensor.shape) for tensor in message.inputs},
        id=message.id or None,
        parameters=parameters,
        input_parameters={name: values for name, values in input_parameters.items() if values},
        outputs=tuple(_requested_output(output) for output in message.outputs),
        binary_data_output=binary_data_output,
    )


def response_from_message(message: pb.ModelInferResponse) -> InferenceResponse:
    """Decode a gRPC inference response (the client side)."""
    return InferenceResponse(
        model_name=message.model_name,
        outputs=_arrays(message.outputs, message.raw_output_contents, "raw_output_contents", "output"),
        model_version=message.model_version or None,
        id=message.id or None,
        parameters=parameters_from_message(message.parameters),
    )


def _arrays(
    tensors: Sequence[_InputTensor | _OutputTensor], raws: Sequence[bytes], where: str, kind: str
) -> Batch:
    if raws and len(raws) != len(tensors):
        raise InvalidInputError(f"{where} has {len(raws)} entries but there are {len(tensors)} {kind}s")
    arrays: Batch = {}
    for index, tensor in enumerate(tensors):
        name, datatype, shape = _describe(tensor, kind)
        if name in arrays:
            raise InvalidInputError(f"{kind} {name!r} appears more than once")
        if not raws:
            arrays[name] = array_from_contents(name, datatype, shape, tensor.contents)
        elif tensor.HasField("contents"):
            raise InvalidInputError(f"{kind} {name!r} sets typed contents although the request uses {where}")
        else:
            arrays[name] = array_from_raw(name, datatype, shape, raws[index], where)
    return arrays


def _describe(tensor: _InputTensor | _OutputTensor, kind: str) -> tuple[str, str, tuple[int, ...]]:
    name = tensor.name
    if not name:
        raise InvalidInputError(f"every {kind} needs a non-empty name")
    if tensor.datatype not in V2_DATATYPES:
        raise InvalidInputError(
            f"{kind} {name!r}: unknown datatype {tensor.datatype!r}; "
            f"expected one of {', '.join(V2_DATATYPES)}"
        )
    shape = tuple(tensor.shape)
    if any(dim < 0 for dim in shape):
        raise InvalidInputError(f"{kind} {name!r}: shape {list(shape)} must hold non-negative integers")
    return name, tensor.datatype, shape


def _requested_output(output: pb.ModelInferRequest.InferRequestedOutputTensor) -> RequestedOutput:
    if not output.name:
        raise InvalidInputError("every requested output needs a non-empty name")
    parameters = parameters_from_message(output.parameters)
    binary_data = parameters.pop("binary_data", None)
    return RequestedOutput(
        name=output.name,
        binary_data=binary_data if isinstance(binary_data, bool) else None,
        parameters=parameters,
    )


def response_to_message(response: InferenceResponse, raw: bool = True) -> pb.ModelInferResponse:
    """Encode a response; outputs go to ``raw_output_contents`` unless ``raw`` is false.

    With ``raw=False`` outputs use typed contents, except when one is FP16 (which
    has no typed field): then every output goes raw, since the protocol forbids
    mixing the two.
    """
    message = pb.ModelInferResponse(
        model_name=response.model_name, model_version=response.model_version or "", id=response.id or ""
    )
    parameters_to_message(response.parameters, message.parameters)
    datatypes = {name: datatype_of(array) for name, array in response.outputs.items()}
    raw = raw or any(datatype not in CONTENTS_FIELDS for datatype in datatypes.values())
    for name, array in response.outputs.items():
        tensor = message.outputs.add(name=name, datatype=datatypes[name], shape=array.shape)
        if raw:
            message.raw_output_contents.append(raw_from_array(array, datatypes[name]))
        else:
            fill_contents(tensor.contents, datatypes[name], array)
    return message


def request_to_message(
    request: InferenceRequest, model_name: str, model_version: str = ""
) -> pb.ModelInferRequest:
    """Encode a request as a client would, with every input in ``raw_input_contents``."""
    message = pb.ModelInferRequest(model_name=model_name, model_version=model_version, id=request.id or "")
    parameters_to_message(request.parameters, message.parameters)
    for name, array in request.inputs.items():
        datatype = request.datatypes.get(name) or datatype_of(array)
        tensor = message.inputs.add(name=name, datatype=datatype, shape=array.shape)
        parameters_to_message(request.input_parameters.get(name, {}), tensor.parameters)
        message.raw_input_contents.append(raw_from_array(array, datatype))
    for output in request.outputs:
        requested = message.outputs.add(name=output.name)
        parameters_to_message(output.parameters, requested.parameters)
    return message
