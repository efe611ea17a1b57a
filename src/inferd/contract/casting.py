"""Casting one column to a field's dtype at once, and finding the values that cannot be cast.

:func:`cast_column` works on the whole array with numpy operations. Arrays of
Python objects (``None``, strings, mixed numbers) have no vectorised numeric
form; :class:`~inferd.contract.objects.ObjectKinds` classifies their elements
with a few C-level passes, never a Python loop over rows.

Nulls are NaN in float arrays, and ``None`` or NaN (also pandas' ``NA``/``NaT``)
in object arrays. What each target dtype accepts:

- float: any number (including bools); a value beyond the dtype's range fails
  (``1e300`` for float32).
- integer: whole numbers within range; ``1.5`` fails, and so does ``300`` for int8.
- bool: booleans, and the numbers 0 and 1.
- object (text): ``str`` and ``bytes``.
- Numeric targets refuse strings, even ones that look numeric (``"1.5"``): the
  contract checks what clients send, and a quoted number is usually a client bug.

Integers held as Python objects are range-checked through float64, and the few that
float64 rounds past a dtype's limits (``2**63 - 1`` becomes ``2**63``) are judged again
exactly; a whole number too large for float64 is out of range for a float field too,
not an infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from inferd.contract.objects import ObjectKinds

NUMERIC_KINDS = "biuf"


@dataclass(frozen=True)
class Failure:
    """Elements (``mask``) that cannot be cast, and why: ``reason`` has a ``{value}`` slot."""

    mask: np.ndarray
    reason: str


@dataclass(frozen=True)
class Cast:
    """A column cast to its target dtype.

    ``values`` holds placeholders where elements are null or failed; it is
    ``None`` when the column cannot be cast at all, and ``problem`` says why.
    ``nulls`` is the element mask of nulls, ``None`` when there are none.
    """

    values: np.ndarray | None
    nulls: np.ndarray | None = None
    failures: tuple[Failure, ...] = ()
    problem: str | None = None


def cast_column(array: np.ndarray, target: np.dtype[Any]) -> Cast:
    """Cast ``array`` to ``target``, reporting nulls and the elements that do not fit."""
    source = array.dtype
    if target.kind == "O":
        return _to_text(array)
    if source == target:
        return _unchanged(array)
    if target.kind in NUMERIC_KINDS and source.kind in "OUS":
        return _objects_to_numbers(array.astype(object, copy=False), target)
    if target.kind in NUMERIC_KINDS and source.kind in NUMERIC_KINDS:
        nulls = _float_nulls(array)
        return _numbers(array, target, nulls)
    return _other(array, target)


def _unchanged(array: np.ndarray) -> Cast:
    return Cast(array, _float_nulls(array))


def _float_nulls(array: np.ndarray) -> np.ndarray | None:
    if array.dtype.kind != "f":
        return None
    nulls = np.isnan(array)
    return nulls if nulls.any() else None


def _to_text(array: np.ndarray) -> Cast:
    objects = array.astype(object, copy=False)
    kinds = ObjectKinds.of(objects)
    nulls = kinds.nulls
    wrong = ~nulls & ~kinds.text
    failures = (Failure(wrong, "{value} is not a string"),) if wrong.any() else ()
    if not nulls.any():
        return Cast(objects, None, failures)
    normalised = objects.copy()
    normalised[nulls] = None  # NaN and pandas' NA become None: one null per column, whatever the client sent
    return Cast(normalised, nulls, failures)


def _objects_to_numbers(objects: np.ndarray, target: np.dtype[Any]) -> Cast:
    kinds = ObjectKinds.of(objects)
    nulls, usable = kinds.nulls, kinds.numbers
    wrong = ~nulls & ~usable
    noun = "a bool" if target.kind == "b" else "a number"
    failures = (Failure(wrong, f"{{value}} is not {noun}"),) if wrong.any() else ()
    as_float = _as_floats(np.where(usable, objects, math.nan))
    if target.kind == "f":
        overflowed = _overflowed(objects, as_float, usable)
        if overflowed.any():
            failures = (*failures, Failure(overflowed, f"{{value}} is out of range for {target.name}"))
    elif target.kind in "iu":
        as_float = _within_exact_limits(objects, as_float, usable, target)
    cast = _numbers(as_float, target, nulls if nulls.any() else None, failures)
    if target.kind in "iu" and cast.values is not None:
        cast = replace(cast, values=_exact_integers(objects, target, cast))
    return cast


def _overflowed(objects: np.ndarray, as_float: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Where a whole number beyond float64 became an infinity: out of range, not an infinity sent.

    Only the infinities are looked at, one by one: there are rarely any.
    """
    overflowed = np.zeros(objects.shape, dtype=bool)
    for index in np.flatnonzero(np.isinf(as_float) & usable):
        overflowed.flat[index] = not isinstance(objects.flat[index], float | np.floating)
    return overflowed


def _within_exact_limits(
    objects: np.ndarray, as_float: np.ndarray, usable: np.ndarray, target: np.dtype[Any]
) -> np.ndarray:
    """``as_float``, with 0 for whole numbers within ``target``'s limits that float64 rounds past them.

    float64 rounds 2**63 - 1 up to 2**63, so the float range check would refuse int64's own
    maximum; the values beyond the limits as floats are judged again exactly (rarely any).
    The values themselves are cast exactly from ``objects`` (see :func:`_exact_integers`).
    """
    info = np.iinfo(target)
    beyond = usable & _beyond_integer_limits(as_float, info)
    if not beyond.any():
        return as_float
    adjusted = as_float.copy()
    for index in np.flatnonzero(beyond):
        value = objects.flat[index]
        if isinstance(value, int | np.integer) and info.min <= int(value) <= info.max:
            adjusted.flat[index] = 0.0
    return adjusted


def _exact_integers(objects: np.ndarray, target: np.dtype[Any], cast: Cast) -> np.ndarray:
    """Python ints converted exactly (float64 would round those beyond 2**53)."""
    assert cast.values is not None
    bad = any_of([f.mask for f in cast.failures] + ([cast.nulls] if cast.nulls is not None else []))
    try:
        return (objects if bad is None else np.where(bad, 0, objects)).astype(target)
    except (OverflowError, TypeError, ValueError):
        return cast.values


def _numbers(
    array: np.ndarray, target: np.dtype[Any], nulls: np.ndarray | None, earlier: tuple[Failure, ...] = ()
) -> Cast:
    failures = (*earlier, *_range_failures(array, target))
    return Cast(_convert(array, target, nulls, failures), nulls, failures)


def _range_failures(array: np.ndarray, target: np.dtype[Any]) -> tuple[Failure, ...]:
    """Numbers that ``target`` cannot hold; NaN never counts (it is a null, or failed already)."""
    if target.kind == "f":
        return _float_range_failures(array, target)
    if target.kind in "iu":
        return _integer_failures(array, target)
    if array.dtype.kind == "b":
        return ()
    not_bool = (array != 0) & (array != 1)
    if array.dtype.kind == "f":
        not_bool &= ~np.isnan(array)
    return _nonempty(Failure(not_bool, "{value} is not a bool (expected true or false, or 0 or 1)"))


def _float_range_failures(array: np.ndarray, target: np.dtype[Any]) -> tuple[Failure, ...]:
    if np.can_cast(array.dtype, target, "safe"):
        return ()
    # A float64 bound (not a Python float, which numpy would cast to the array's dtype, overflowing float16).
    limit = np.float64(np.finfo(target).max)
    over = (array > limit) | (array < -limit)
    if array.dtype.kind == "f":
        over &= np.isfinite(array)
    return _nonempty(Failure(over, f"{{value}} is out of range for {target.name}"))


def _integer_failures(array: np.ndarray, target: np.dtype[Any]) -> tuple[Failure, ...]:
    kind = array.dtype.kind
    if kind == "b" or np.can_cast(array.dtype, target, "safe"):
        return ()
    info = np.iinfo(target)
    bounds = f"{{value}} is out of range for {target.name} ({info.min} to {info.max})"
    if kind in "iu":
        return _nonempty(Failure((array < info.min) | (array > info.max), bounds))
    out = _beyond_integer_limits(array, info)
    fractional = (array != np.floor(array)) & np.isfinite(array) & ~out
    return _nonempty(Failure(out, bounds), Failure(fractional, "{value} is not a whole number"))


def _beyond_integer_limits(array: np.ndarray, info: np.iinfo[Any]) -> np.ndarray:
    """Floats outside ``info``'s integer range; max + 1 because float(max) may round up to it."""
    return np.asarray((array < np.float64(info.min)) | (array >= np.float64(info.max) + 1), dtype=bool)


def _convert(
    array: np.ndarray, target: np.dtype[Any], nulls: np.ndarray | None, failures: tuple[Failure, ...]
) -> np.ndarray:
    if target.kind == "b" and array.dtype.kind != "b":
        return np.asarray(array == 1)
    masks = [f.mask for f in failures]
    if nulls is not None and target.kind != "f":
        masks.append(nulls)
    bad = any_of(masks)
    # Placeholders replace what cannot be cast, so the cast itself never overflows or warns.
    return (array if bad is None else np.where(bad, 0, array)).astype(target, copy=False)


def _other(array: np.ndarray, target: np.dtype[Any]) -> Cast:
    if np.can_cast(array.dtype, target, "same_kind"):
        try:
            return Cast(array.astype(target))
        except (TypeError, ValueError):
            pass
    return Cast(None, problem=f"has dtype {array.dtype}, which cannot be cast to {target}")


def _nonempty(*failures: Failure) -> tuple[Failure, ...]:
    return tuple(f for f in failures if f.mask.any())


def any_of(masks: list[np.ndarray]) -> np.ndarray | None:
    """The element-wise union of boolean masks, ``None`` for no masks."""
    if not masks:
        return None
    out = masks[0]
    for mask in masks[1:]:
        out = out | mask
    return out


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # a Python int beyond float64: it is out of range for every dtype
        return math.inf if value > 0 else -math.inf


_AS_FLOAT = np.frompyfunc(_as_float, 1, 1)


def _as_floats(numbers: np.ndarray) -> np.ndarray:
    """An object array of numbers as float64: numpy's own conversion, per element only when it overflows."""
    try:
        return numbers.astype(np.float64)
    except OverflowError:
        return np.asarray(_AS_FLOAT(numbers), dtype=np.float64)
