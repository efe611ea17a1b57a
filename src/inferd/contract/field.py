"""The parts of a contract: one declared :class:`Field`, and a :class:`Stack` of fields.

Both are plain, frozen data with a stable dict form (``to_dict``/``from_dict``)
that the registry stores; ``from_dict`` raises only
:class:`~inferd.errors.InvalidInputError`, naming the field and the bad key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inferd.errors import InvalidInputError
from inferd.tensors import canonical_dtype_name


@dataclass(frozen=True)
class Field:
    """One named field of a contract.

    ``shape`` is the shape of one row's value (``()`` for a scalar; ``-1`` for a
    dimension of any size). ``min`` and ``max`` bound numeric values; ``allowed``
    lists the only accepted values (strings or numbers). ``default`` (when
    ``has_default``) replaces a missing field or a null value.

    For a feature looked up from the online store, ``ttl_s`` is how old its
    value may be, and ``on_stale`` what to do when it is older or missing:
    ``reject`` the request (400, naming the field and row), use the ``default``,
    or ``degrade``: serve it and flag the response as degraded.
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
    ttl_s: float | None = None
    on_stale: str = "reject"

    def __post_init__(self) -> None:
        if self.on_stale not in STALE_POLICIES:
            raise InvalidInputError(
                f"contract field {self.name!r}: on_stale {self.on_stale!r} must be one of "
                f"{', '.join(STALE_POLICIES)}"
            )
        if self.on_stale == "default" and not self.has_default:
            raise InvalidInputError(f"contract field {self.name!r}: on_stale 'default' needs a 'default'")

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
        if self.ttl_s is not None:
            out["ttl_s"] = self.ttl_s
        if self.on_stale != "reject":
            out["on_stale"] = self.on_stale
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"contract field {dict(data)!r} has no 'name'")
        unknown = set(data) - _FIELD_KEYS
        if unknown:
            raise InvalidInputError(f"contract field {name!r}: unknown keys {sorted(map(str, unknown))}")
        if "dtype" not in data:
            raise InvalidInputError(f"contract field {name!r} has no 'dtype'")
        allowed = data.get("allowed")
        if allowed is not None and not isinstance(allowed, list | tuple):
            raise InvalidInputError(f"contract field {name!r}: 'allowed' must be a list, not {allowed!r}")
        return cls(
            name=name,
            dtype=_dtype(name, data["dtype"]),
            shape=_shape(name, data.get("shape", ())),
            nullable=bool(data.get("nullable", False)),
            min=_optional_float(name, "min", data.get("min")),
            max=_optional_float(name, "max", data.get("max")),
            allowed=tuple(allowed) if allowed is not None else None,
            default=data.get("default"),
            has_default="default" in data,
            pii=bool(data.get("pii", False)),
            description=str(data.get("description", "")),
            ttl_s=_optional_float(name, "ttl_s", data.get("ttl_s")),
            on_stale=str(data.get("on_stale", "reject")),
        )


_FIELD_KEYS = {
    "name",
    "dtype",
    "shape",
    "nullable",
    "min",
    "max",
    "allowed",
    "default",
    "pii",
    "description",
    "ttl_s",
    "on_stale",
}
STALE_POLICIES = ("reject", "default", "degrade")


def _dtype(name: str, value: Any) -> str:
    try:
        return canonical_dtype_name(str(value))
    except InvalidInputError as exc:
        raise InvalidInputError(f"contract field {name!r}: {exc}") from exc


def _shape(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not all(_is_dimension(d) for d in value):
        raise InvalidInputError(
            f"contract field {name!r}: shape {value!r} must be a list of sizes (-1 for any size)"
        )
    return tuple(int(d) for d in value)


def _is_dimension(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= -1


def _optional_float(name: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidInputError(f"contract field {name!r}: {key} {value!r} is not a number")
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
        into, fields = str(data["into"]), data["fields"]
        if not isinstance(fields, list | tuple) or not fields:
            raise InvalidInputError(
                f"contract stack {into!r}: 'fields' must be a non-empty list of field names"
            )
        try:
            dtype = canonical_dtype_name(str(data.get("dtype", "float32")))
        except InvalidInputError as exc:
            raise InvalidInputError(f"contract stack {into!r}: {exc}") from exc
        return cls(into=into, fields=tuple(str(f) for f in fields), dtype=dtype)
