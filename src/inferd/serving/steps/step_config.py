"""StepConfig: one step's configuration mapping, read with errors that name the step.

Every builder reads its parameters through a :class:`StepConfig`, so a bad
config always says which step (its index in the list and its kind) and which
key is wrong, and what was expected instead.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.tensors import numpy_dtype

_MISSING: Any = object()
Scalar = str | int | float | bool


class StepConfig:
    """The parameters of step number ``index`` (0-based) of kind ``kind``."""

    def __init__(self, index: int, kind: str, params: Mapping[str, Any]) -> None:
        self.index = index
        self.kind = kind
        self.params = params
        self.label = f"step {index} ({kind})"

    def error(self, key: str, message: str) -> InvalidInputError:
        """An error about ``key`` of this step."""
        return InvalidInputError(f"{self.label}: {key!r} {message}")

    def check_keys(self, allowed: Collection[str]) -> None:
        unknown = sorted(set(self.params) - set(allowed))
        if unknown:
            raise self.error(
                unknown[0], f"is not a key of this step; expected some of {', '.join(sorted(allowed))}"
            )

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.params:
            return self.params[key]
        if default is _MISSING:
            raise InvalidInputError(f"{self.label}: the key {key!r} is required")
        return default

    def string(self, key: str, default: Any = _MISSING) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value:
            raise self.error(key, f"must be a non-empty string, got {value!r}")
        return value

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int = 0) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"must be an integer of at least {minimum}, got {value!r}")
        return value

    def number(self, key: str, default: Any = _MISSING) -> float:
        value = self.raw(key, default)
        return self._as_number(key, value)

    def optional_number(self, key: str) -> float | None:
        return None if self.params.get(key) is None else self.number(key)

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw(key, default)
        if value not in options:
            raise self.error(key, f"must be one of {', '.join(options)}, got {value!r}")
        return str(value)

    def dtype(self, key: str, default: Any = _MISSING) -> np.dtype[Any]:
        """A numpy dtype from its numpy name (``float32``) or v2 name (``FP32``)."""
        try:
            return numpy_dtype(self.string(key, default))
        except InvalidInputError as exc:
            raise self.error(key, str(exc)) from None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def scalar(self, key: str, value: Any) -> Scalar:
        """``value`` (found under ``key``) if it is a plain string, number or boolean."""
        if not isinstance(value, str | int | float | bool):
            raise self.error(key, f"must be a string, number or boolean, got {value!r}")
        return value

    def scalars(self, key: str, default: Any = _MISSING, *, minimum: int = 1) -> tuple[Scalar, ...]:
        value = self.raw(key, default)
        if not isinstance(value, list | tuple) or len(value) < minimum:
            raise self.error(key, f"must be a list of at least {minimum} values, got {value!r}")
        items = tuple(self.scalar(key, item) for item in value)
        if len(set(items)) != len(items):
            raise self.error(key, f"must not repeat values, got {list(items)!r}")
        return items

    def numbers(self, key: str, *, minimum: int = 1) -> tuple[float, ...]:
        value = self.raw(key)
        if not isinstance(value, list | tuple) or len(value) < minimum:
            raise self.error(key, f"must be a list of at least {minimum} numbers, got {value!r}")
        return tuple(self._as_number(key, item) for item in value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.raw(key)
        if not isinstance(value, Mapping) or not value or not all(isinstance(k, str) and k for k in value):
            raise self.error(key, f"must be a non-empty mapping of field names, got {value!r}")
        return value

    def fields(self, singular: str = "field", plural: str = "fields") -> tuple[str, ...]:
        """The names under ``field`` (one) or ``fields`` (a list); exactly one of the keys must be given."""
        if (singular in self.params) == (plural in self.params):
            raise InvalidInputError(f"{self.label}: give exactly one of the keys {singular!r} or {plural!r}")
        if singular in self.params:
            return (self.string(singular),)
        value = self.params[plural]
        if not isinstance(value, list | tuple) or not value:
            raise self.error(plural, f"must be a non-empty list of field names, got {value!r}")
        names = tuple(value)
        if not all(isinstance(name, str) and name for name in names) or len(set(names)) != len(names):
            raise self.error(plural, f"must be distinct non-empty field names, got {value!r}")
        return names

    def per_field(self, key: str, fields: tuple[str, ...]) -> tuple[float | tuple[float, ...], ...]:
        """One value per field: a number (or a list, one per column of a 2-D field).

        With ``field`` the value is that field's; with ``fields`` it is a list with
        one entry per field, or a single number shared by all of them.
        """
        value = self.raw(key)
        if "field" in self.params or isinstance(value, int | float):
            return tuple(self._entry(key, value) for _ in fields)
        if not isinstance(value, list | tuple) or len(value) != len(fields):
            raise self.error(
                key, f"must be a number or a list of {len(fields)} (one per field), got {value!r}"
            )
        return tuple(self._entry(key, item) for item in value)

    def _entry(self, key: str, value: Any) -> float | tuple[float, ...]:
        if isinstance(value, list | tuple):
            if not value:
                raise self.error(key, "must not hold an empty list")
            return tuple(self._as_number(key, item) for item in value)
        return self._as_number(key, value)

    def _as_number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.error(key, f"must be a number, got {value!r}")
        return float(value)
