"""Drop, Select and Rename: steps that change which fields a batch has, not their values."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TypeVar

from inferd.errors import InvalidInputError
from inferd.serving.steps.column_op import ColumnOp, Relabel
from inferd.serving.steps.step import field_of
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch

Value = TypeVar("Value")


class RelabellingStep(ABC):
    """A step that only moves names around: it runs the same on a Batch and on the planner's fields."""

    name: str

    def __call__(self, batch: Batch) -> Batch:
        return self.relabel(batch)

    @abstractmethod
    def relabel(self, fields: Mapping[str, Value]) -> dict[str, Value]:
        """``fields`` with the step's names: arrays when serving, the planner's columns when fusing."""

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return (Relabel(self),)


class Drop(RelabellingStep):
    """The batch without ``fields``."""

    def __init__(self, name: str, fields: tuple[str, ...]) -> None:
        self.name = name
        self._fields = fields

    def relabel(self, fields: Mapping[str, Value]) -> dict[str, Value]:
        out = dict(fields)
        for field in self._fields:
            if out.pop(field, None) is None:
                field_of(fields, field, self.name)  # raises, naming the field
        return out


class Select(RelabellingStep):
    """Only ``fields``, in that order."""

    def __init__(self, name: str, fields: tuple[str, ...]) -> None:
        self.name = name
        self._fields = fields

    def relabel(self, fields: Mapping[str, Value]) -> dict[str, Value]:
        return {field: field_of(fields, field, self.name) for field in self._fields}


class Rename(RelabellingStep):
    """Fields renamed ``{old: new}``, all at once (so swaps work); renamed fields move to the end."""

    def __init__(self, name: str, mapping: Mapping[str, str]) -> None:
        self.name = name
        self._mapping = dict(mapping)

    def relabel(self, fields: Mapping[str, Value]) -> dict[str, Value]:
        out = dict(fields)
        moved = {new: self._take(out, fields, old) for old, new in self._mapping.items()}
        for old, new in self._mapping.items():
            if new in out:
                raise InvalidInputError(
                    f"{self.name}: renaming {old!r} to {new!r} would overwrite the field {new!r}; "
                    f"drop or rename {new!r} first"
                )
        out.update(moved)
        return out

    def _take(self, out: dict[str, Value], fields: Mapping[str, Value], old: str) -> Value:
        values = out.pop(old, None)
        return field_of(fields, old, self.name) if values is None else values


def build_drop(config: StepConfig) -> Drop:
    config.check_keys({"field", "fields"})
    return Drop(config.label, config.fields())


def build_select(config: StepConfig) -> Select:
    config.check_keys({"field", "fields"})
    return Select(config.label, config.fields())


def build_rename(config: StepConfig) -> Rename:
    config.check_keys({"mapping"})
    mapping = config.mapping("mapping")
    if not all(isinstance(new, str) and new for new in mapping.values()):
        raise config.error("mapping", f"must map field names to new names, got {dict(mapping)!r}")
    if len(set(mapping.values())) != len(mapping):
        raise config.error("mapping", f"gives two fields the same new name: {dict(mapping)!r}")
    return Rename(config.label, mapping)
