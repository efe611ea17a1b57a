"""OneHot and Ordinal: categorical fields encoded against the categories fitted in training.

``one_hot`` turns field ``color`` with categories ``[red, blue]`` into the fields
``color_red`` and ``color_blue`` (the ``prefix`` defaults to ``"<field>_"``), in
the categories' order, as scikit-learn's ``OneHotEncoder`` does; an unseen value
is an error (``on_unknown: error``) or a row of zeros (``ignore``). ``ordinal``
replaces the field with each value's position in the categories; an unseen value
is an error or ``unknown_value`` (``on_unknown: value``).
"""

from __future__ import annotations

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.category_index import CategoryIndex
from inferd.serving.steps.step import field_of, first_row, shown
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch


class CategoricalStep:
    """The shared part of both encoders: look a 1-D field up, and refuse unknown values if asked.

    The builders read this part of the config first and hand it to the encoder's constructor.
    """

    def __init__(self, name: str, field: str, index: CategoryIndex, *, is_strict: bool, hint: str) -> None:
        self.name = name
        self.field = field
        self.index = index
        self.is_strict = is_strict
        self.hint = hint

    def _codes(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        values = field_of(batch, self.field, self.name)
        if values.ndim != 1:
            raise InvalidInputError(
                f"{self.name}: field {self.field!r} must be 1-D (one value per row), got shape {values.shape}"
            )
        try:
            codes, known = self.index.lookup(values)
        except (TypeError, ValueError, UnicodeError) as exc:
            raise InvalidInputError(f"{self.name}: field {self.field!r}: {exc}") from exc
        if self.is_strict and not known.all():
            row = first_row(~known)
            raise InvalidInputError(
                f"{self.name}: field {self.field!r} row {row}: unknown category {shown(values[row])}; "
                f"expected one of {self.index.describe()} (or set {self.hint})"
            )
        return codes, known


class OneHot(CategoricalStep):
    """One 0/1 field per category, in the categories' order."""

    def __init__(
        self, encoder: CategoricalStep, outputs: tuple[str, ...], dtype: np.dtype, keep: bool
    ) -> None:
        super().__init__(
            encoder.name, encoder.field, encoder.index, is_strict=encoder.is_strict, hint=encoder.hint
        )
        self._outputs = outputs
        self._dtype = dtype
        self._keep_original = keep
        self._positions = np.arange(len(outputs))[:, np.newaxis]

    def __call__(self, batch: Batch) -> Batch:
        codes, known = self._codes(batch)
        hot = self._positions == codes  # (categories, rows): one contiguous row per output field
        if not known.all():
            hot &= known
        columns = hot.astype(self._dtype)
        out = dict(batch)
        if not self._keep_original:
            del out[self.field]
        out.update(zip(self._outputs, columns, strict=True))
        return out


class Ordinal(CategoricalStep):
    """The field replaced by each value's position among the categories."""

    def __init__(self, encoder: CategoricalStep, unknown_value: int | float) -> None:
        super().__init__(
            encoder.name, encoder.field, encoder.index, is_strict=encoder.is_strict, hint=encoder.hint
        )
        self._unknown = unknown_value
        self._dtype = np.float64 if isinstance(unknown_value, float) else np.int64

    def __call__(self, batch: Batch) -> Batch:
        codes, known = self._codes(batch)
        result = codes.astype(self._dtype)
        if not known.all():
            result[~known] = self._unknown
        out = dict(batch)
        out[self.field] = result
        return out


def _encoder(config: StepConfig, strict_word: str, lenient_word: str) -> CategoricalStep:
    field = config.string("field")
    index = CategoryIndex(config.scalars("categories"))
    mode = config.choice("on_unknown", (strict_word, lenient_word), strict_word)
    hint = f"on_unknown: {lenient_word}"
    return CategoricalStep(config.label, field, index, is_strict=mode == strict_word, hint=hint)


def build_one_hot(config: StepConfig) -> OneHot:
    config.check_keys({"field", "categories", "prefix", "drop_original", "on_unknown", "dtype"})
    encoder = _encoder(config, "error", "ignore")
    prefix = config.raw("prefix", f"{encoder.field}_")
    if not isinstance(prefix, str):
        raise config.error("prefix", f"must be a string, got {prefix!r}")
    outputs = tuple(f"{prefix}{category}" for category in encoder.index.categories)
    if len(set(outputs)) != len(outputs):
        raise config.error("categories", f"give clashing field names {list(outputs)!r}")
    dtype = config.dtype("dtype", "float64")
    keep = not config.boolean("drop_original", True)
    return OneHot(encoder, outputs, dtype, keep)


def build_ordinal(config: StepConfig) -> Ordinal:
    config.check_keys({"field", "categories", "on_unknown", "unknown_value"})
    encoder = _encoder(config, "error", "value")
    unknown = config.raw("unknown_value", -1)
    if isinstance(unknown, bool) or not isinstance(unknown, int | float):
        raise config.error("unknown_value", f"must be a number, got {unknown!r}")
    return Ordinal(encoder, unknown)
