"""Calibrate and Round: numeric outputs mapped or rounded before they leave the server.

- ``calibrate``: a piecewise-linear map through the points ``x`` -> ``y``
  (``np.interp``: values beyond the ends take the end values), on ``output`` or
  one ``column`` of it; written back, or to a new field ``name``.
- ``round``: ``output`` (or ``outputs``) rounded to ``decimals`` places.
"""

from __future__ import annotations

import itertools

import numpy as np

from inferd.serving.steps.labelling import optional_column
from inferd.serving.steps.score_op import Calibration, Rounding
from inferd.serving.steps.step import numeric_field, scores_of
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch


class Calibrate:
    """Scores mapped through a piecewise-linear curve."""

    def __init__(
        self,
        name: str,
        output: str,
        column: int | None,
        points: tuple[np.ndarray, np.ndarray],
        target: str | None,
    ) -> None:
        self.name = name
        self._output = output
        self._column = column
        self._x, self._y = points
        self._target = target

    def __call__(self, batch: Batch) -> Batch:
        scores = scores_of(batch, self._output, self._column, self.name)
        calibrated = np.interp(scores, self._x, self._y)
        out = dict(batch)
        if self._target is not None:
            out[self._target] = calibrated
        elif self._column is None:
            out[self._output] = calibrated
        else:
            values = batch[self._output]
            whole = values.astype(np.promote_types(values.dtype, np.float64))
            whole[:, self._column] = calibrated
            out[self._output] = whole
        return out

    def score_op(self) -> Calibration:
        return Calibration(self._output, self._column, self._x, self._y, self._target)


class Round:
    """Numbers rounded to a fixed number of decimals (half to even, as numpy does)."""

    def __init__(self, name: str, outputs: tuple[str, ...], decimals: int) -> None:
        self.name = name
        self._outputs = outputs
        self._decimals = decimals

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for output in self._outputs:
            out[output] = numeric_field(batch, output, self.name).round(self._decimals)
        return out

    def score_op(self) -> Rounding:
        return Rounding(self._outputs, self._decimals)


def build_calibrate(config: StepConfig) -> Calibrate:
    config.check_keys({"output", "column", "x", "y", "name"})
    x, y = config.numbers("x", minimum=2), config.numbers("y", minimum=2)
    if len(x) != len(y):
        raise config.error("y", f"must have as many points as 'x' ({len(x)}), got {len(y)}")
    if any(b <= a for a, b in itertools.pairwise(x)):
        raise config.error("x", f"must be strictly increasing, got {list(x)!r}")
    target = config.string("name") if "name" in config.params else None
    points = (np.asarray(x), np.asarray(y))
    return Calibrate(config.label, config.string("output"), optional_column(config), points, target)


def build_round(config: StepConfig) -> Round:
    config.check_keys({"output", "outputs", "decimals"})
    return Round(config.label, config.fields("output", "outputs"), config.integer("decimals", 0, minimum=-20))
