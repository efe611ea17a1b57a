"""Drop, Select and Rename: steps that change which fields a batch has, not their values."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.step import field_of
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch


class Drop:
    """The batch without ``fields``."""

    def __init__(self, name: str, fields: tuple[str, ...]) -> None:
        self.name = name
        self._fields = fields

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for field in self._fields:
            if out.pop(field, None) is None:
                field_of(batch, field, self.name)  # raises, naming the field
        return out


class Select:
    """Only ``fields``, in that order."""

    def __init__(self, name: str, fields: tuple[str, ...]) -> None:
        self.name = name
        self._fields = fields

    def __call__(self, batch: Batch) -> Batch:
        return {field: field_of(batch, field, self.name) for field in self._fields}


class Rename:
    """Fields renamed ``{old: new}``, all at once (so swaps work); renamed fields move to the end."""

    def __init__(self, name: str, mapping: Mapping[str, str]) -> None:
        self.name = name
        self._mapping = dict(mapping)

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        moved = {new: self._take(out, batch, old) for old, new in self._mapping.items()}
        for old, new in self._mapping.items():
            if new in out:
                raise InvalidInputError(
                    f"{self.name}: renaming {old!r} to {new!r} would overwrite the field {new!r}; "
                    f"drop or rename {new!r} first"
                )
        out.update(moved)
        return out

    def _take(self, out: Batch, batch: Batch, old: str) -> np.ndarray:
        values = out.pop(old, None)
        return field_of(batch, old, self.name) if values is None else values


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
