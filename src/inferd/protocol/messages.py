"""Transport-neutral inference requests and responses.

Every codec (v2 JSON and binary, records JSON, gRPC) decodes into an
:class:`InferenceRequest` and encodes from an :class:`InferenceResponse`, so the
router and the pipeline never see a wire format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inferd.tensors import Batch

#: A protocol parameter value: ``{"<name>": str | number | bool}``.
Parameters = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RequestedOutput:
    """One output the caller asked for by name.

    ``binary_data`` is the per-output wish of the binary tensor data extension:
    ``None`` when the caller did not say, so the request-level
    ``binary_data_output`` decides.
    """

    name: str
    binary_data: bool | None = None
    parameters: Parameters = field(default_factory=dict)


# Not frozen: a frozen dataclass pays for object.__setattr__ on every field, and
# requests and responses are built once per call on the hot path. Treat them as
# immutable all the same.
@dataclass(slots=True)
class InferenceRequest:
    """A decoded inference request.

    ``inputs`` holds one array per input, shaped as the request's ``shape`` and
    typed per its ``datatype``; arrays decoded from binary data are read-only
    views of the request body. ``datatypes`` and ``shapes`` repeat what the
    caller sent. An empty ``outputs`` means "every output of the model".
    """

    inputs: Batch
    datatypes: dict[str, str]
    shapes: dict[str, tuple[int, ...]]
    id: str | None = None
    parameters: Parameters = field(default_factory=dict)
    input_parameters: dict[str, Parameters] = field(default_factory=dict)
    outputs: tuple[RequestedOutput, ...] = ()
    binary_data_output: bool = False

    @property
    def output_names(self) -> tuple[str, ...]:
        """The names of the requested outputs; empty means all of them."""
        return tuple(output.name for output in self.outputs)

    def binary_outputs(self, names: Iterable[str]) -> frozenset[str]:
        """Which of ``names`` the caller wants back as binary data.

        A per-output ``binary_data`` wins; otherwise the request-level
        ``binary_data_output`` applies.
        """
        if not self.outputs:  # no per-output wishes: the request-level choice (the common case)
            return frozenset(names) if self.binary_data_output else frozenset()
        wishes = {output.name: output.binary_data for output in self.outputs}
        chosen = set()
        for name in names:
            wish = wishes.get(name)
            if wish or (wish is None and self.binary_data_output):
                chosen.add(name)
        return frozenset(chosen)


@dataclass(slots=True)
class InferenceResponse:
    """A model's answer, ready to encode.

    ``outputs`` is a Batch; each array's v2 datatype follows from its dtype
    (object arrays are ``BYTES``). ``binary_outputs`` names the outputs to send
    as binary data (REST); gRPC sends every output raw regardless.
    """

    model_name: str
    outputs: Batch
    model_version: str | None = None
    id: str | None = None
    parameters: Parameters = field(default_factory=dict)
    binary_outputs: frozenset[str] = frozenset()
