"""ScoreOp: what a score postprocessing step does, told to the planner that fuses them.

``calibrate``, ``threshold`` and ``round`` describe themselves here, with their
own operands, so :mod:`inferd.serving.steps.score_plan` can run a chain of them
on one output as one compiled call and still compute with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from inferd.serving.steps.operand import Operand


@dataclass(frozen=True)
class Calibration:
    """``np.interp`` through ``x`` -> ``y`` on ``output`` (or its ``column``); into ``target`` if given."""

    output: str
    column: int | None
    x: np.ndarray
    y: np.ndarray
    target: str | None


@dataclass(frozen=True)
class Thresholding:
    """``labels[score >= threshold]`` into ``target``, the score being ``output`` or its ``column``."""

    output: str
    column: int | None
    threshold: Operand
    labels: np.ndarray
    target: str


@dataclass(frozen=True)
class Rounding:
    """``outputs`` rounded to ``decimals`` places."""

    outputs: tuple[str, ...]
    decimals: int


ScoreOp = Calibration | Thresholding | Rounding


@runtime_checkable
class ScoreStep(Protocol):
    """A step that can tell the planner what it does to a score output."""

    name: str

    def score_op(self) -> ScoreOp: ...
