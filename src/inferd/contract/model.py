"""The feature contract: the declared inputs and outputs of a model version.

A contract names every field a client sends (``inputs``) and every field the
model gives back (``outputs``), with dtype, per-row shape, nullability, range or
allowed values, a default and a ``pii`` mark. ``stacks`` declare that named
fields are stacked, in order, into one 2-D model input tensor: the common case
of a scikit-learn or ONNX model trained on a plain matrix.

Contracts are plain data: they round-trip through ``to_dict``/``from_dict`` (and
YAML/JSON files) so the registry can store them with a version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inferd.errors import InvalidInputError
from inferd.tensors import Signature, TensorSpec, canonical_dtype_name


@dataclass(frozen=True)
class Field:
    """One named field of a contract.

    ``shape`` is the shape of one row's value (``()`` for a scalar). ``min`` and
    ``max`` bound numeric values; ``allowed`` lists the only accepted values.
    ``default`` (when ``has_default``) replaces a missing or null value.
    """

    name: str
    dtype: str
    shape: tuple[int, ...] = ()
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[Any, ...] | None = None
    default: Any = None
    has_default: bool = False
    pii: bool = False
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "dtype": self.dtype}
        if self.shape:
            out["shape"] = list(self.shape)
        if self.nullable:
            out["nullable"] = True
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.allowed is not None:
            out["allowed"] = list(self.allowed)
        if self.has_default:
            out["default"] = self.default
        if self.pii:
            out["pii"] = True
        if self.description:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        unknown = set(data) - _FIELD_KEYS
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"contract field {dict(data)!r} has no 'name'")
        if unknown:
            raise InvalidInputError(f"contract field {name!r}: unknown keys {sorted(unknown)}")
        if "dtype" not in data:
            raise InvalidInputError(f"contract field {name!r} has no 'dtype'")
        allowed = data.get("allowed")
        return cls(
            name=name,
            dtype=canonical_dtype_name(str(data["dtype"])),
            shape=tuple(int(d) for d in data.get("shape", ())),
            nullable=bool(data.get("nullable", False)),
            min=_optional_float(name, "min", data.get("min")),
            max=_optional_float(name, "max", data.get("max")),
            allowed=tuple(allowed) if allowed is not None else None,
            default=data.get("default"),
            has_default="default" in data,
            pii=bool(data.get("pii", False)),
            description=str(data.get("description", "")),
        )


_FIELD_KEYS = {"name", "dtype", "shape", "nullable", "min", "max", "allowed", "default", "pii", "description"}


def _optional_float(name: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"contract field {name!r}: {key} {value!r} is not a number") from exc


@dataclass(frozen=True)
class Stack:
    """Named input fields stacked, in order, into one 2-D model input ``into``."""

    into: str
    fields: tuple[str, ...]
    dtype: str = "float32"

    def to_dict(self) -> dict[str, Any]:
        return {"into": self.into, "fields": list(self.fields), "dtype": self.dtype}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stack:
        if "into" not in data or "fields" not in data:
            raise InvalidInputError(f"contract stack {dict(data)!r} needs 'into' and 'fields'")
        return cls(
            into=str(data["into"]),
            fields=tuple(str(f) for f in data["fields"]),
            dtype=canonical_dtype_name(str(data.get("dtype", "float32"))),
        )


@dataclass(frozen=True)
class Contract:
    """Declared inputs and outputs of a model version (see the module docstring)."""

    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...] = ()
    stacks: tuple[Stack, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_unique("input", [f.name for f in self.inputs])
        _check_unique("output", [f.name for f in self.outputs])
        names = {f.name for f in self.inputs}
        for stack in self.stacks:
            missing = [f for f in stack.fields if f not in names]
            if missing:
                raise InvalidInputError(f"contract stack {stack.into!r} names unknown inputs {missing}")

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
