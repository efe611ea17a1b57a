"""OutputPlan: postprocessing, its leading score steps on one output fused into one compiled call.

A classifier's scores typically go through ``calibrate``, ``threshold`` and
``round``. On numpy those three cost 7.4 µs at 32 rows, a fifth of the
reference model's time, nearly all of it numpy's cost per call; here the
leading run of such steps on one float output becomes a program for the numba
interpreter
(:func:`~inferd.serving.steps.matrix_kernel.score_kernel`), run once per batch.
The steps after that run (other outputs, other kinds) run one by one as before.

The program is planned per kind of output (dtype and columns) on the first
batch of that kind. It follows numpy's dtypes: a calibration in place makes the
output float64; a threshold compares in the output's dtype at that point;
rounding is fused only on float64 (numpy rounds float32 in float32). Whatever
the planner cannot follow ends the fused run, and an output the steps would
refuse (missing, not numbers, no such column) runs step by step, so every error
is the steps' own. The tests hold both paths to the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inferd.serving.steps import matrix_kernel
from inferd.serving.steps.matrix_kernel import UntranslatableError
from inferd.serving.steps.score_op import Calibration, Rounding, ScoreOp, ScoreStep, Thresholding
from inferd.serving.steps.sequence import StepSequence
from inferd.tensors import Batch

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# The score interpreter's instructions: (op, column, constant index, count, slot).
INTERP, INTERP_INTO, THRESHOLD, ROUND, ROUND_NEGATIVE = range(5)

Signature = tuple[np.dtype[Any], tuple[int, ...]]


class OutputPlan:
    """Model outputs -> the response's outputs, through the postprocessing ``steps``.

    ``compiled`` (default: whether numba is installed) allows the fused path.
    """

    def __init__(self, steps: StepSequence, compiled: bool | None = None) -> None:
        self._steps = steps
        self._leading = _leading_score_ops(steps)
        self._compiled = bool(self._leading) and (
            matrix_kernel.is_available() if compiled is None else compiled
        )
        self._output = _output_of(self._leading[0]) if self._leading else ""
        self._plans: dict[Signature, FusedScores | None] = {}
        self.uncompiled_because: str | None = None

    def __call__(self, outputs: Batch) -> Batch:
        if self._compiled:
            values = outputs.get(self._output)
            if values is not None:
                plan = self._plan_for(values)
                if plan is not None:
                    return plan(outputs, values)
        return self._steps(outputs)

    def _plan_for(self, values: np.ndarray) -> FusedScores | None:
        signature = (values.dtype, values.shape[1:])
        found: FusedScores | None = self._plans.get(signature, _UNPLANNED)
        if found is _UNPLANNED:
            found = self._plans[signature] = self._plan(signature)
        return found

    def is_compiled_for(self, values: np.ndarray) -> bool:
        """Whether outputs with ``values`` as the first score step's output take the fused path."""
        return self._compiled and self._plan_for(values) is not None

    def _plan(self, signature: Signature) -> FusedScores | None:
        try:
            return _Planner(self._output, *signature).plan(self._leading, self._steps)
        except UntranslatableError as exc:
            self.uncompiled_because = str(exc)
            return None

    @property
    def how(self) -> str:
        """How the plan runs: its leading score steps compiled (per kind of output), or all one by one."""
        if self._compiled:
            return f"compiled: the first {len(self._leading)} score step(s), where the output's dtype allows"
        if not self._leading:
            return "one by one: no calibrate, threshold or round at the start"
        return "one by one: compiling is off (or numba is missing)"

    def __repr__(self) -> str:
        return f"OutputPlan({self._steps!r}, {self.how})"


_UNPLANNED: Any = object()  # a kind of output not planned yet (None: planned, and cannot be fused)


# What a fused step assigns: the output itself, a threshold's labels, or a calibration's own field.
WORK, LABELS, TARGET = range(3)
Assignment = tuple[str, int, int, np.ndarray | None]  # (field, kind, slot, labels)


@dataclass
class _Program:
    """The instructions and constants, and what the fused steps assign, in the steps' order."""

    code: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)
    assigns: dict[str, Assignment] = field(default_factory=dict)  # the first one fixes a new key's place
    flags: int = 0
    targets: int = 0

    def constant(self, *values: float) -> int:
        self.constants.extend(float(v) for v in values)
        return len(self.constants) - len(values)


class FusedScores:
    """One compiled call over the output's rows, then the steps' assignments, then the other steps."""

    def __init__(
        self, dtype: np.dtype[Any], width: int, is_flat: bool, program: _Program, rest: StepSequence
    ) -> None:
        self._width = width
        self._is_flat = is_flat
        self._flags = program.flags
        self._targets = program.targets
        self._code = np.array(program.code, dtype=np.int32).reshape(-1, 5)
        self._constants = np.array(program.constants, dtype=np.float64)
        self._assigns = tuple(program.assigns.values())
        self._rest = rest if len(rest) else None
        self._kernel = matrix_kernel.score_kernel(dtype)

    def __call__(self, outputs: Batch, values: np.ndarray) -> Batch:
        rows = len(values)
        # The kernel takes C-contiguous, aligned, writeable arrays (numba types them so): copy the others.
        source = values if values.flags.carray else np.array(values, order="C")
        if self._is_flat:
            source = source.reshape(rows, 1)
        work: np.ndarray = np.empty((rows, self._width), _FLOAT64)
        flags = np.empty((self._flags, rows), _INTP) if self._flags else _NO_FLAGS
        targets = np.empty((self._targets, rows), _FLOAT64) if self._targets else _NO_TARGETS
        self._kernel(source, work, flags, targets, self._code, self._constants)
        out = dict(outputs)
        for name, kind, slot, labels in self._assigns:
            if kind == WORK:
                out[name] = work.reshape(rows) if self._is_flat else work
            elif kind == LABELS and labels is not None:
                out[name] = labels.take(flags[slot])
            else:
                out[name] = targets[slot]
        return out if self._rest is None else self._rest(out)


_FLOAT64, _INTP = np.dtype(np.float64), np.dtype(np.intp)  # positional dtypes: np.empty's fastest call
_NO_FLAGS = np.empty((0, 0), _INTP)
_NO_TARGETS = np.empty((0, 0), _FLOAT64)


class _Planner:
    """Follows one output of ``dtype`` and ``shape`` (after the rows) through the leading score steps."""

    def __init__(self, output: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> None:
        if dtype not in FLOAT_DTYPES or len(shape) > 1:
            raise UntranslatableError(f"output {output!r} is {dtype} of shape {shape}: not one float row")
        self._output = output
        self._source_dtype = dtype
        self._dtype = dtype  # the output's dtype at this point in the steps
        self._is_flat = not shape
        self._width = 1 if not shape else shape[0]
        self._program = _Program()
        self._targets: set[str] = {output}

    def plan(self, leading: list[ScoreOp], steps: StepSequence) -> FusedScores:
        fused = 0
        for op in leading:
            if not self._follow(op):
                break
            fused += 1
        if not fused:
            raise UntranslatableError("no score step at the start can be fused")
        program, rest = self._program, StepSequence(list(steps)[fused:])
        return FusedScores(self._source_dtype, self._width, self._is_flat, program, rest)

    def _follow(self, op: ScoreOp) -> bool:
        """Add ``op``'s instructions; False when it cannot be fused (the run ends before it)."""
        if isinstance(op, Rounding):
            return self._round(op)
        if op.output != self._output:
            return False
        if isinstance(op, Calibration):
            return self._calibrate(op, self._column(op.column))
        return self._threshold(op, self._column(op.column))

    def _column(self, column: int | None) -> int:
        """The column's index; where the step would refuse the output, no plan (the step says why)."""
        if self._is_flat:
            if column is not None:
                raise UntranslatableError("a column of a 1-D output: the step refuses it")
            return 0
        if column is None or not -self._width <= column < self._width:
            raise UntranslatableError(f"column {column} of {self._width}: the step refuses it")
        return column % self._width

    def _calibrate(self, op: Calibration, column: int) -> bool:
        program = self._program
        points = program.constant(*op.x, *op.y)
        if op.target is None:
            program.code.append((INTERP, column, points, len(op.x), 0))
            self._dtype = np.dtype(np.float64)  # numpy's interp gives float64: the output becomes float64
            return self._assign(self._output, WORK)
        if not self._is_new(op.target):
            return False
        slot = program.targets
        program.targets += 1
        program.code.append((INTERP_INTO, column, points, len(op.x), slot))
        return self._assign(op.target, TARGET, slot)

    def _threshold(self, op: Thresholding, column: int) -> bool:
        if not self._is_new(op.target):
            return False
        program = self._program
        # numpy compares in the output's dtype at this point; float32 values and bound are exact in float64.
        bound = program.constant(float(op.threshold.like(self._dtype)))
        slot = program.flags
        program.flags += 1
        program.code.append((THRESHOLD, column, bound, 0, slot))
        return self._assign(op.target, LABELS, slot, op.labels)

    def _round(self, op: Rounding) -> bool:
        if op.outputs != (self._output,) or self._dtype != np.float64:
            return False  # numpy rounds float32 in float32; the interpreter works in float64
        factor = self._program.constant(10.0 ** abs(op.decimals))
        self._program.code.append((ROUND if op.decimals >= 0 else ROUND_NEGATIVE, 0, factor, 0, 0))
        return self._assign(self._output, WORK)

    def _is_new(self, target: str) -> bool:
        """Whether ``target`` is a field no fused step writes yet (the output included)."""
        if target in self._targets:
            return False
        self._targets.add(target)
        return True

    def _assign(self, name: str, kind: int, slot: int = 0, labels: np.ndarray | None = None) -> bool:
        self._program.assigns.setdefault(name, (name, kind, slot, labels))
        return True


def _output_of(op: ScoreOp) -> str:
    """The output a score op works on (a rounding of several outputs works on none alone)."""
    if isinstance(op, Rounding):
        return op.outputs[0] if len(op.outputs) == 1 else ""
    return op.output


def _leading_score_ops(steps: StepSequence) -> list[ScoreOp]:
    """What the steps at the start that describe themselves as score ops do."""
    leading: list[ScoreOp] = []
    for step in steps:
        if not isinstance(step, ScoreStep):
            break
        leading.append(step.score_op())
    return leading
