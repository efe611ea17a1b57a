"""The feature contract: the declared inputs and outputs of a model version.

A contract names every field a client sends (``inputs``) and every field the
model gives back (``outputs``), with dtype, per-row shape, nullability, range or
allowed values, a default and a ``pii`` mark. ``stacks`` declare that named
fields are stacked, in order, into one 2-D model input tensor: the common case
of a scikit-learn or ONNX model trained on a plain matrix.

Contracts are plain data: they round-trip through ``to_dict``/``from_dict`` (and
YAML/JSON files) so the registry can store them with a version. Validation
(``validate``, ``check``) applies to the inputs; see
:mod:`inferd.contract.validation` for the rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inferd.contract.field import Field, Stack
from inferd.contract.files import dump_yaml, parse_yaml, read_contract_file
from inferd.contract.model_inputs import ModelInputs
from inferd.contract.stacking import stack_inputs
from inferd.contract.validation import CHECK_LIMIT, BatchValidator
from inferd.contract.violation import Violations
from inferd.errors import InvalidInputError
from inferd.tensors import Batch, Signature, TensorSpec

__all__ = ["Contract", "Field", "Stack"]


@dataclass(frozen=True)
class Contract:
    """Declared inputs and outputs of a model version (see the module docstring)."""

    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...] = ()
    stacks: tuple[Stack, ...] = field(default_factory=tuple)
    # Built on first use and kept, for ``check`` and ``prepare``. Not functools.cached_property:
    # that needs an instance __dict__, which a compiled (mypyc) class has not, and there it
    # silently built both again on every call (Contract.prepare 2 -> 24 µs).
    _checks: BatchValidator | None = field(init=False, repr=False, compare=False)
    _inputs: ModelInputs | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_checks", None)  # set here: compiled, a field's default is not applied
        object.__setattr__(self, "_inputs", None)
        _check_unique("input", [f.name for f in self.inputs])
        _check_unique("output", [f.name for f in self.outputs])
        _check_stacks(self.inputs, self.stacks)

    def field(self, name: str) -> Field:
        """The input or output field called ``name``."""
        for f in (*self.inputs, *self.outputs):
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.inputs)

    @property
    def pii_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in (*self.inputs, *self.outputs) if f.pii)

    def signature(self) -> Signature:
        """The model-level signature: stacked tensors plus the fields that pass through unstacked."""
        stacked = {name for s in self.stacks for name in s.fields}
        inputs = [TensorSpec(s.into, s.dtype, (-1, len(s.fields))) for s in self.stacks]
        inputs += [TensorSpec(f.name, f.dtype, (-1, *f.shape)) for f in self.inputs if f.name not in stacked]
        outputs = [TensorSpec(f.name, f.dtype, (-1, *f.shape)) for f in self.outputs]
        return Signature(tuple(inputs), tuple(outputs))

    # -- validation -------------------------------------------------------------------------------

    def validate(self, batch: Mapping[str, Any], *, limit: int | None = None) -> Violations:
        """Every way ``batch`` breaks the input contract, in field then row order; never raises for bad data.

        Reports missing fields (unless they have a default), fields the
        contract does not declare, row counts that differ, nulls where none are
        allowed, values that cannot be cast to the dtype, per-row shapes, and
        values out of range or not allowed. ``limit`` caps how many
        :class:`Violation` objects are built; ``.total`` always counts them all.
        An empty result means :meth:`check` accepts the batch.
        """
        return (self._checks or self._new_validator()).validate(batch, limit)

    def check(self, batch: Mapping[str, Any], *, limit: int | None = CHECK_LIMIT) -> Batch:
        """``batch`` normalised: defaults filled, each input cast to its dtype, in contract order.

        Arrays already of the right dtype with nothing to fill are returned as
        they are (not copied). Raises :class:`~inferd.errors.ContractViolationError`
        whose message names the first violations and whose ``violations`` holds
        them: the first ``limit`` (1000 by default, ``None`` for all: a bad
        million-row batch should not build a million objects); the message
        always gives the total.
        """
        return (self._checks or self._new_validator()).check(batch, limit)

    def _new_validator(self) -> BatchValidator:
        # It holds the numpy dtypes, so each check skips parsing them.
        checks = BatchValidator(self.inputs, self.stacks)
        object.__setattr__(self, "_checks", checks)
        return checks

    def to_model_inputs(self, batch: Mapping[str, Any]) -> Batch:
        """A checked batch as the model takes it: each stack's fields, in order, as one 2-D array."""
        return stack_inputs(self.stacks, batch)

    def prepare(self, batch: Mapping[str, Any]) -> Batch:
        """Check a client's batch and build the model's inputs: the serving path's one call.

        Each stack may arrive as its named fields or as the stacked matrix itself
        (what standard Open Inference Protocol clients send); either way every
        field is checked, and a violation raises
        :class:`~inferd.errors.ContractViolationError` naming field and row.
        """
        inputs = self._inputs or self._new_model_inputs()  # an attribute read once built: the hot path
        ready = inputs.fast(batch)
        if ready is not None:
            return ready
        return self.to_model_inputs(self.check(inputs.as_fields(batch)))

    def _new_model_inputs(self) -> ModelInputs:
        inputs = ModelInputs(self.inputs, self.stacks)
        object.__setattr__(self, "_inputs", inputs)
        return inputs

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def default_for(cls, signature: Signature) -> Contract:
        """The contract of a model registered without one, derived from its signature.

        A single 2-D input of width N becomes fields ``f0`` .. ``f{N-1}`` stacked
        into it; otherwise each input is a field of the same name and per-row shape.
        """
        outputs = tuple(_field_for(spec) for spec in signature.outputs)
        if len(signature.inputs) == 1 and len(signature.inputs[0].shape) == 2:
            spec = signature.inputs[0]
            width = spec.shape[1]
            if width < 0:
                raise InvalidInputError(
                    f"the model input {spec.name!r} is a matrix of unknown width, so inferd cannot name its "
                    "columns: give a contract (inferd contract draft writes one from training data)"
                )
            names = tuple(f"f{i}" for i in range(width))
            inputs = tuple(Field(name, spec.dtype) for name in names)
            return cls(inputs, outputs, (Stack(spec.name, names, spec.dtype),))
        return cls(tuple(_field_for(spec) for spec in signature.inputs), outputs)

    # -- dicts and files --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"inputs": [f.to_dict() for f in self.inputs]}
        if self.outputs:
            out["outputs"] = [f.to_dict() for f in self.outputs]
        if self.stacks:
            out["stacks"] = [s.to_dict() for s in self.stacks]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contract:
        if not isinstance(data, Mapping) or "inputs" not in data:
            raise InvalidInputError("a contract needs an 'inputs' list")
        return cls(
            inputs=tuple(Field.from_dict(f) for f in _as_list(data, "inputs")),
            outputs=tuple(Field.from_dict(f) for f in _as_list(data, "outputs")),
            stacks=tuple(Stack.from_dict(s) for s in _as_list(data, "stacks")),
        )

    def to_yaml(self) -> str:
        """The contract as YAML text (the ``to_dict`` form)."""
        return dump_yaml(self.to_dict())

    def to_json(self) -> str:
        """The contract as indented JSON text (the ``to_dict`` form)."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_yaml(cls, text: str) -> Contract:
        """A contract from YAML (or JSON) text; raises InvalidInputError for bad text or a bad contract."""
        return cls.from_dict(parse_yaml(text))

    @classmethod
    def load(cls, path: str | Path) -> Contract:
        """A contract from a ``.yaml``, ``.yml`` or ``.json`` file; errors name the file and the problem."""
        path = Path(path)
        data = read_contract_file(path)
        try:
            return cls.from_dict(data)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{path}: {exc}") from exc


def _field_for(spec: TensorSpec) -> Field:
    return Field(spec.name, spec.dtype, tuple(spec.shape[1:]))


def _as_list(data: Mapping[str, Any], key: str) -> Sequence[Mapping[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InvalidInputError(f"contract '{key}' must be a list of mappings")
    return value


def _check_unique(kind: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInputError(f"contract declares {kind} {name!r} twice")
        seen.add(name)


def _check_stacks(inputs: tuple[Field, ...], stacks: tuple[Stack, ...]) -> None:
    by_name = {f.name: f for f in inputs}
    stacked = {name for s in stacks for name in s.fields}
    for stack in stacks:
        missing = [f for f in stack.fields if f not in by_name]
        if missing:
            raise InvalidInputError(f"contract stack {stack.into!r} names unknown inputs {missing}")
        shaped = [f for f in stack.fields if by_name[f].shape]
        if shaped:
            raise InvalidInputError(
                f"contract stack {stack.into!r}: field {shaped[0]!r} has a per-row shape, "
                "and only scalar fields can be stacked"
            )
        if np.dtype(stack.dtype).kind in "biuf":
            text = [f for f in stack.fields if np.dtype(by_name[f].dtype).kind not in "biuf"]
            if text:
                raise InvalidInputError(
                    f"contract stack {stack.into!r} is {stack.dtype}, but field {text[0]!r} is "
                    f"{by_name[text[0]].dtype}: only numeric and bool fields stack into a numeric array"
                )
        if stack.into in by_name and stack.into not in stacked:
            raise InvalidInputError(f"contract stack {stack.into!r} has the name of an unstacked input field")
    _check_unique("stack", [s.into for s in stacks])
