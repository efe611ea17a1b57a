"""Row routing for switch nodes: split rows by a field's value, put answers back in order.

Matching is one vectorised comparison per case value; grouping is a stable
argsort of each row's target, so every group keeps its rows in their original
order; reassembly is the inverse permutation of the concatenated groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.graph.node import CaseKey, SwitchNode
from inferd.tensors import Batch


def route_rows(switch: SwitchNode, values: np.ndarray) -> dict[str, np.ndarray]:
    """Target node -> the (ascending) indices of the rows routed to it, for every target.

    A value that matches no case goes to the default; without one, the request is
    refused with an :class:`InvalidInputError` naming the field, the value and the row.
    """
    flat = _one_value_a_row(switch, values)
    targets = switch.targets()
    target_of_row = np.full(len(flat), -1, dtype=np.int64)
    for key, node in switch.cases.items():
        target_of_row[(target_of_row == -1) & _matches(flat, key)] = targets.index(node)
    unmatched = np.flatnonzero(target_of_row == -1)
    if len(unmatched):
        if switch.default is None:
            _refuse(switch, flat, unmatched)
        target_of_row[unmatched] = targets.index(switch.default)
    order = np.argsort(target_of_row, kind="stable")
    counts = np.bincount(target_of_row, minlength=len(targets))
    groups = np.split(order, np.cumsum(counts)[:-1])
    return dict(zip(targets, groups, strict=True))


def reassemble_rows(parts: Sequence[tuple[np.ndarray, Batch]], names: Sequence[str], where: str) -> Batch:
    """One batch from row groups: ``parts`` pairs the original row indices with their answers."""
    order = np.concatenate([rows for rows, _ in parts])
    inverse = np.argsort(order, kind="stable")
    result: Batch = {}
    for name in names:
        pieces = [_output(batch, name, where, case) for case, (_, batch) in enumerate(parts)]
        result[name] = np.concatenate(pieces)[inverse]
    return result


def _output(batch: Batch, name: str, where: str, case: int) -> np.ndarray:
    if name not in batch:
        raise InferdError(
            f"{where}: case #{case} returned no output {name!r} (it returned {', '.join(batch)})"
        )
    return batch[name]


def _one_value_a_row(switch: SwitchNode, values: np.ndarray) -> np.ndarray:
    if values.ndim == 0 or values.size != len(values):
        raise InvalidInputError(
            f"switch {switch.name!r}: field {switch.field} must hold one value a row, "
            f"got shape {values.shape}"
        )
    return values.reshape(len(values))


def _matches(values: np.ndarray, key: CaseKey) -> np.ndarray:
    """Rows equal to ``key``; str keys also match bytes values and numeric strings numbers."""
    kind = values.dtype.kind
    if kind in "biuf" and isinstance(key, str):
        number = _as_number(key)
        return np.zeros(len(values), bool) if number is None else np.asarray(values == number, bool)
    if kind in "biuf":
        return np.asarray(values == key, bool)
    forms: list[object] = [key]
    if isinstance(key, str):
        forms.append(key.encode())
    if kind == "U":
        forms = [f for f in forms if isinstance(f, str)]
    elif kind == "S":
        forms = [f for f in forms if isinstance(f, bytes)]
    mask = np.zeros(len(values), bool)
    for form in forms:
        mask |= np.asarray(values == form, bool)
    return mask


def _as_number(text: str) -> int | float | None:
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _refuse(switch: SwitchNode, values: np.ndarray, unmatched: np.ndarray) -> None:
    row = int(unmatched[0])
    known = ", ".join(repr(key) for key in switch.cases)
    more = f" (and {len(unmatched) - 1} more row(s))" if len(unmatched) > 1 else ""
    raise InvalidInputError(
        f"field {switch.field} row {row}: value {_plain(values[row])!r} matches no case of switch "
        f"{switch.name!r} ({known}) and it has no default{more}"
    )


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
