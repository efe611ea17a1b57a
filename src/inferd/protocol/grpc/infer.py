"""``ModelInferRequest`` / ``ModelInferResponse`` <-> :class:`InferenceRequest` / :class:`InferenceResponse`.

The server side (:func:`request_from_message`, :func:`response_to_message`)
accepts inputs in typed ``contents`` or in ``raw_input_contents`` (never both,
as the protocol says) and answers in ``raw_output_contents`` as Triton does.
The client side (:func:`request_to_message`, :func:`response_from_message`)
mirrors it. Model name and version stay on the message: the edge routes with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from inferd.errors import InvalidInputError
from inferd.protocol.datatypes import datatype_of, output_datatype
from inferd.protocol.grpc import open_inference_grpc_pb2 as pb
from inferd.protocol.grpc.contents import CONTENTS_FIELDS, array_from_contents, fill_contents
from inferd.protocol.grpc.parameters import parameters_from_message, parameters_to_message
from inferd.protocol.messages import InferenceRequest, InferenceResponse, Parameters, RequestedOutput
from inferd.protocol.raw import array_from_raw, raw_from_array
from inferd.tensors import V2_DATATYPES, Batch

_InputTensor = pb.ModelInferRequest.InferInputTensor
_OutputTensor = pb.ModelInferResponse.InferOutputTensor


def request_from_message(message: pb.ModelInferRequest) -> InferenceRequest:
    """Decode a gRPC inference request; errors name the input and the problem."""
    tensors = _decode_tensors(message.inputs, message.raw_input_contents, "input")
    if not tensors.arrays:
        raise InvalidInputError("the request has no inputs")
    parameters = parameters_from_message(message.parameters)
    binary_data_output = bool(parameters.pop("binary_data_output", False))
    outputs = message.outputs
    return InferenceRequest(
        inputs=tensors.arrays,
        datatypes=tensors.datatypes,
        shapes=tensors.shapes,
        id=message.id or None,
        parameters=parameters,
        input_parameters=tensors.parameters,
        outputs=tuple(_requested_output(output) for output in outputs) if outputs else (),
        binary_data_output=binary_data_output,
    )


def response_from_message(message: pb.ModelInferResponse) -> InferenceResponse:
    """Decode a gRPC inference response (the client side)."""
    return InferenceResponse(
        model_name=message.model_name,
        outputs=_decode_tensors(message.outputs, message.raw_output_contents, "output").arrays,
        model_version=message.model_version or None,
        id=message.id or None,
        parameters=parameters_from_message(message.parameters),
    )


@dataclass(slots=True)
class _Tensors:
    arrays: Batch = field(default_factory=dict)
    datatypes: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    parameters: dict[str, Parameters] = field(default_factory=dict)


def _decode_tensors(
    tensors: Sequence[_InputTensor | _OutputTensor], raw_contents: Sequence[bytes], kind: str
) -> _Tensors:
    # One pass, each field read once: every attribute access on a upb message
    # costs about as much as decoding a small tensor.
    where = f"raw_{kind}_contents"
    raws = list(raw_contents)
    if raws and len(raws) != len(tensors):
        raise InvalidInputError(f"{where} has {len(raws)} entries but there are {len(tensors)} {kind}s")
    decoded = _Tensors()
    for index, tensor in enumerate(tensors):
        name, datatype, shape = tensor.name, tensor.datatype, tuple(tensor.shape)
        _check_tensor(kind, name, datatype, shape, decoded.arrays)
        if not raws:
            array = array_from_contents(name, datatype, shape, tensor.contents)
        elif tensor.HasField("contents"):
            raise InvalidInputError(f"{kind} {name!r} sets typed contents although the request uses {where}")
        else:
            array = array_from_raw(name, datatype, shape, raws[index], where)
        decoded.arrays[name] = array
        decoded.datatypes[name] = datatype
        decoded.shapes[name] = shape
        parameters = tensor.parameters
        if parameters:
            decoded.parameters[name] = parameters_from_message(parameters)
    return decoded


def _check_tensor(kind: str, name: str, datatype: str, shape: tuple[int, ...], seen: Batch) -> None:
    if not name:
        raise InvalidInputError(f"every {kind} needs a non-empty name")
    if name in seen:
        raise InvalidInputError(f"{kind} {name!r} appears more than once")
    if datatype not in V2_DATATYPES:
        raise InvalidInputError(
            f"{kind} {name!r}: unknown datatype {datatype!r}; expected one of {', '.join(V2_DATATYPES)}"
        )
    if any(dim < 0 for dim in shape):
        raise InvalidInputError(f"{kind} {name!r}: shape {list(shape)} must hold non-negative integers")


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
    datatypes = {name: output_datatype(name, array) for name, array in response.outputs.items()}
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
