"""FeatureLayout: how a batch's inputs become the 2-D feature matrix of a tabular model.

scikit-learn, XGBoost and LightGBM models take one matrix of ``n_features``
columns. The layout says which named inputs fill it, in order:

- the model knows its feature names: one 1-D float64 input per feature;
- otherwise the contract's signature (the fallback), when given: its inputs,
  whose widths must add up to ``n_features``;
- otherwise one 2-D float64 input ``"input"`` of ``n_features`` columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.tensors import Signature, TensorSpec

DEFAULT_INPUT = "input"


@dataclass(frozen=True)
class FeatureLayout:
    """The inputs that fill a model's feature matrix, and their order."""

    inputs: tuple[TensorSpec, ...]
    n_features: int
    feature_names: tuple[str, ...] | None = None

    @classmethod
    def for_model(
        cls,
        artifact: str,
        n_features: int | None,
        feature_names: Sequence[str] | None = None,
        fallback: Signature | None = None,
    ) -> FeatureLayout:
        """The layout of a model with ``n_features`` (``None`` if unknown) and maybe names."""
        if feature_names:
            names = tuple(str(n) for n in feature_names)
            return cls(tuple(TensorSpec(n, "float64", (-1,)) for n in names), len(names), names)
        if fallback is not None and fallback.inputs:
            return cls._from_fallback(artifact, n_features, fallback)
        if n_features is None:
            raise InvalidArtifactError(
                f"{artifact}: the model does not say how many features it takes; "
                "give a contract that declares its inputs"
            )
        return cls((TensorSpec(DEFAULT_INPUT, "float64", (-1, n_features)),), n_features)

    @classmethod
    def _from_fallback(cls, artifact: str, n_features: int | None, fallback: Signature) -> FeatureLayout:
        widths = [_width(spec) for spec in fallback.inputs]
        if n_features is not None and -1 not in widths and sum(widths) != n_features:
            detail = ", ".join(f"{s.name!r}: {w}" for s, w in zip(fallback.inputs, widths, strict=True))
            raise InvalidArtifactError(
                f"{artifact}: the contract's inputs give {sum(widths)} features ({detail}) "
                f"but the model takes {n_features}"
            )
        total = n_features if n_features is not None else sum(widths)
        return cls(fallback.inputs, total)

    def matrix(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        """The ``(rows, n_features)`` float64 matrix; the batch must have passed ``check_inputs``."""
        parts = [_as_float_columns(spec.name, batch[spec.name]) for spec in self.inputs]
        matrix = parts[0] if len(parts) == 1 else np.hstack(parts)
        if matrix.shape[1] != self.n_features:
            raise InvalidInputError(
                f"the inputs {', '.join(repr(s.name) for s in self.inputs)} give {matrix.shape[1]} "
                f"features per row but the model takes {self.n_features}"
            )
        return matrix


def _width(spec: TensorSpec) -> int:
    dims = spec.shape[1:]
    return -1 if -1 in dims else math.prod(dims)


def _as_float_columns(name: str, array: np.ndarray) -> np.ndarray:
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"input {name!r} cannot be read as numbers: {exc}") from exc
    return values.reshape(len(values), math.prod(values.shape[1:]))
