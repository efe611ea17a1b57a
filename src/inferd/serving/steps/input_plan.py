"""InputPlan: a deployment's preprocessing and stacking, fused into a few matrix ops when the steps allow.

The step-by-step path runs each step on the dict of checked fields, then stacks
them into the model's matrix (:func:`~inferd.contract.stacking.stack_inputs`).
At 32 rows that costs as much as the model: numpy's ~1 µs per call, times every
field of every step. So when the steps allow, the plan stacks the checked fields
first and runs the steps as one :class:`MatrixProgram` on the float matrix: the
same numbers (same operands, same dtype, same order per column) in a few calls.

The planner follows the contract's fields through the steps' column ops. It
fuses when every step is a built-in that says what it does (:class:`Fusable`);
every field a step changes ends up in one stack of float32 or float64 and has
that dtype from start to end (the stack's other fields are numbers, cast as
``stack_inputs`` casts them); and every other field the model gets is a
contract field no step changed. Otherwise the plan runs step by step and
``unfused_because`` says why. A derive that reads and writes nothing an earlier
step touched is computed on the checked fields and stacked as it is
(:class:`EarlyColumn`); the others run on the matrix in their turn.

The step-by-step path keeps the last word on errors: should the fused path
raise, the batch is run again step by step, so every error is the steps' own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inferd.contract import Field, Stack
from inferd.contract.stacking import stack_inputs
from inferd.errors import InferdError
from inferd.serving.steps import matrix_kernel
from inferd.serving.steps.column_op import (
    AffineMap,
    Clamp,
    ColumnOp,
    Computation,
    Computed,
    DtypeKept,
    Fusable,
    NanFill,
    Relabel,
)
from inferd.serving.steps.derive import Derive
from inferd.serving.steps.kernel_expression import emit_expression
from inferd.serving.steps.matrix_kernel import KernelProgram, UntranslatableError
from inferd.serving.steps.matrix_program import ComputeStage, MatrixProgram
from inferd.serving.steps.sequence import StepSequence
from inferd.tensors import Batch

MATRIX_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class InputPlan:
    """Checked fields -> model inputs: the preprocessing ``steps``, then the deployment's ``stacks``.

    ``compiled`` (default: whether numba is installed) lets a fused plan run as
    one :mod:`~inferd.serving.steps.matrix_kernel` call when every op has an
    instruction; ``uncompiled_because`` says why not, when it does not.
    """

    def __init__(
        self,
        steps: StepSequence,
        stacks: Sequence[Stack],
        fields: Sequence[Field],
        compiled: bool | None = None,
    ) -> None:
        self._steps = steps
        self._stacks = tuple(stacks)
        self.unfused_because: str | None = None
        self.uncompiled_because: str | None = None
        self._fused: FusedInputs | None = None
        planner = _Planner(fields, matrix_kernel.is_available() if compiled is None else compiled)
        try:
            self._fused = planner.plan(steps, self._stacks)
        except UnfusableError as exc:
            self.unfused_because = str(exc)
        self.uncompiled_because = planner.uncompiled_because

    @property
    def is_fused(self) -> bool:
        return self._fused is not None

    @property
    def is_compiled(self) -> bool:
        return self._fused is not None and isinstance(self._fused.program, KernelProgram)

    def __call__(self, batch: Batch) -> Batch:
        """The model's inputs from a batch that passed ``Contract.check``."""
        if self._fused is not None:
            try:
                return self._fused(batch)
            except InferdError:
                pass  # the step-by-step path below raises the steps' own error
        return self.step_by_step(batch)

    def step_by_step(self, batch: Batch) -> Batch:
        """The reference path: each step on the dict of fields, then the stacks."""
        prepared = self._steps(batch)
        return stack_inputs(self._stacks, prepared) if self._stacks else prepared

    @property
    def how(self) -> str:
        """How the plan runs, and why not faster: ``"fused, compiled"``, ``"fused on numpy: ..."``..."""
        if self._fused is None:
            return f"step by step: {self.unfused_because}"
        return "fused, compiled" if self.is_compiled else f"fused on numpy: {self.uncompiled_because}"

    def __repr__(self) -> str:
        return f"InputPlan({self._steps!r}, {self.how})"


class UnfusableError(Exception):
    """Why a plan runs step by step (never leaves this module: the plan just takes the other path)."""


@dataclass(frozen=True)
class EarlyColumn:
    """A derived column computed from the checked fields, before stacking: it reads nothing a step changed.

    Computing it from the batch's own contiguous arrays and stacking the result
    costs less than computing it on views of matrix columns and writing it back.
    """

    position: int
    computation: Computation
    reads: tuple[tuple[str, str], ...]  # (name the computation reads, contract field)

    def values(self, batch: Batch, rows: int) -> np.ndarray:
        return self.computation.values({name: batch[source] for name, source in self.reads}, rows)


class FusedInputs:
    """Stack the checked fields, then run the steps on the matrix; other inputs pass as they are."""

    def __init__(
        self,
        stack: Stack,
        sources: Sequence[str],
        early: Sequence[EarlyColumn],
        program: MatrixProgram | KernelProgram,
        rest: _Rest,
    ) -> None:
        self._into = stack.into
        self._sources = tuple(sources)
        self._early = tuple(early)
        self._dtype = program.dtype
        self.program = program
        self._rest = rest

    def __call__(self, batch: Batch) -> Batch:
        columns = [batch[source] for source in self._sources]
        for early in self._early:
            columns[early.position] = early.values(batch, len(columns[0]))
        # The same two copies as stack_inputs: into fields x rows, then transposed into rows x fields.
        by_field = np.array(columns, dtype=self._dtype)
        matrix = np.ascontiguousarray(by_field.T)
        self.program.run(matrix, batch)
        if self._rest.is_empty:
            return {self._into: matrix}
        return self._rest.joined(self._into, matrix, batch)


@dataclass(frozen=True)
class _Rest:
    """The other model inputs (other stacks, unchanged fields), in the order stack_inputs gives."""

    stacks: tuple[Stack, ...]
    sources: tuple[tuple[str, str], ...]  # (name given to the model, contract field)
    order: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.sources

    def joined(self, into: str, matrix: np.ndarray, batch: Batch) -> Batch:
        out = stack_inputs(self.stacks, {name: batch[source] for name, source in self.sources})
        out[into] = matrix
        return {name: out[name] for name in self.order}


@dataclass(eq=False)
class Column:
    """One field's values as the planner follows them through the steps."""

    source: str | None  # the contract field it starts as; None when a derive creates it
    dtype: np.dtype[Any]
    shape: tuple[int, ...] = ()
    is_changed: bool = False
    is_read: bool = False  # by a derive


@dataclass(frozen=True)
class _Change:
    """A recorded op: what it does, the column it writes, and what it reads (derive)."""

    op: ColumnOp
    column: Column
    reads: Mapping[str, Column] = field(default_factory=dict)
    value: np.generic | None = None  # a fill's default, in the column's dtype
    is_early: bool = False  # a derive that can run before stacking (see EarlyColumn)


class _Planner:
    """Follows the contract's fields through the steps, then compiles the changes for one stack."""

    def __init__(self, fields: Sequence[Field], compiled: bool) -> None:
        self._fields = {f.name: Column(f.name, np.dtype(f.dtype), f.shape) for f in fields}
        self._changes: list[_Change] = []
        self._compiled = compiled
        self.uncompiled_because: str | None = None if compiled else "compiling is off (or numba is missing)"

    def plan(self, steps: StepSequence, stacks: tuple[Stack, ...]) -> FusedInputs:
        for step in steps:
            if not isinstance(step, Fusable):
                raise UnfusableError(f"{step.name} is not a built-in step that can be fused")
            for op in step.column_ops():
                self._follow(step.name, op)
        return self._compile(stacks)

    def _follow(self, where: str, op: ColumnOp) -> None:
        if isinstance(op, Relabel):
            try:
                self._fields = op.step.relabel(self._fields)
            except InferdError as exc:
                raise UnfusableError(str(exc)) from None
        elif isinstance(op, DtypeKept):
            if self._column(where, op.field).dtype != op.dtype:
                raise UnfusableError(f"{where} changes the dtype of {op.field!r}")
        elif isinstance(op, NanFill):
            self._fill(where, op)
        elif isinstance(op, Clamp | AffineMap):
            self._change(op, self._float_column(where, op.field))
        else:
            self._compute(where, op)

    def _column(self, where: str, name: str) -> Column:
        if name not in self._fields:
            raise UnfusableError(f"{where} needs the field {name!r}, which is not there at that point")
        return self._fields[name]

    def _float_column(self, where: str, name: str) -> Column:
        column = self._column(where, name)
        if column.dtype not in MATRIX_DTYPES or column.shape:
            raise UnfusableError(f"{where} works on {name!r}, which is not one float32 or float64 per row")
        return column

    def _change(self, op: ColumnOp, column: Column, value: np.generic | None = None) -> None:
        column.is_changed = True
        self._changes.append(_Change(op, column, value=value))

    def _fill(self, where: str, op: NanFill) -> None:
        if self._column(where, op.field).dtype.kind not in "fO":
            return  # nothing can be missing there: the step leaves the field as it is
        column = self._float_column(where, op.field)
        if isinstance(op.value, str):
            raise UnfusableError(f"{where} fills the numbers of {op.field!r} with the text {op.value!r}")
        try:
            with np.errstate(all="raise"):
                value = column.dtype.type(op.value)
        except (ArithmeticError, ValueError) as exc:
            raise UnfusableError(f"{where}: {op.value!r} does not fit {column.dtype}: {exc}") from None
        self._change(op, column, value)

    def _compute(self, where: str, op: Computed) -> None:
        reads = {name: self._column(where, name) for name in sorted(op.computation.fields)}
        dtype = _probe_dtype(where, op, reads)
        column = self._fields.get(op.field)
        if column is None or column.dtype != dtype or column.shape:
            column = Column(None, dtype)
        # Early only if no step touched what it reads or writes: it runs before all of them.
        untouched = [column, *reads.values()]
        is_early = not any(c.is_changed for c in untouched) and not column.is_read
        for read in reads.values():
            read.is_read = True
        column.is_changed = True
        self._fields[op.field] = column
        self._changes.append(_Change(op, column, reads, is_early=is_early))

    def _compile(self, stacks: tuple[Stack, ...]) -> FusedInputs:
        stack = self._stack_to_fuse(stacks)
        columns = [self._fields[name] for name in stack.fields]
        dtype = np.dtype(stack.dtype)
        positions = {id(column): i for i, column in enumerate(columns)}
        sources, rest = _sources(stack, columns), self._rest(stacks, stack)
        if not self._changes:
            self.uncompiled_because = "nothing to compute (the steps only rename or keep dtypes)"
        elif self._compiled:
            try:
                compiled = _kernel_program(self._changes, positions, dtype)
                return FusedInputs(stack, sources, (), compiled, rest)
            except UntranslatableError as exc:
                self.uncompiled_because = str(exc)
        program = MatrixProgram(len(columns), dtype)
        early = [_early(change, positions) for change in self._changes if change.is_early]
        for change in self._changes:
            if not change.is_early:
                _emit(program, change, positions)
        return FusedInputs(stack, sources, early, program, rest)

    def _stack_to_fuse(self, stacks: tuple[Stack, ...]) -> Stack:
        names = [name for stack in stacks for name in stack.fields]
        if len(set(names)) != len(names) or not set(names) <= set(self._fields):
            raise UnfusableError("the stacks repeat a field or name one the steps do not give")
        changed = [s for s in stacks if any(self._fields[name].is_changed for name in s.fields)]
        if not changed and stacks:
            changed = [stacks[0]]  # steps that only rename or keep dtypes: the matrix is a plain stack
        if len(changed) != 1:
            raise UnfusableError(f"the steps change fields of {len(changed)} stacks; the plan fuses into one")
        stack = changed[0]
        dtype = np.dtype(stack.dtype)
        columns = [self._fields[name] for name in stack.fields]
        # A changed field must hold the stack's dtype throughout; the others are cast as stack_inputs does.
        if dtype not in MATRIX_DTYPES or any(not _fits(column, dtype) for column in columns):
            raise UnfusableError(f"stack {stack.into!r} holds fields the steps change that are not {dtype}")
        if any(change.column not in columns for change in self._changes):
            raise UnfusableError(f"the steps change fields that are not stacked into {stack.into!r}")
        return stack

    def _rest(self, stacks: tuple[Stack, ...], fused: Stack) -> _Rest:
        sources = []
        for name, column in self._fields.items():
            if name in fused.fields:
                continue
            if column.source is None or column.is_changed:
                raise UnfusableError(
                    f"the steps change {name!r}, which the model gets outside {fused.into!r}"
                )
            sources.append((name, column.source))
        stacked = {name for stack in stacks for name in stack.fields}
        order = [stack.into for stack in stacks] + [name for name, _ in sources if name not in stacked]
        return _Rest(tuple(s for s in stacks if s is not fused), tuple(sources), tuple(order))


def _probe_dtype(where: str, op: Computed, reads: Mapping[str, Column]) -> np.dtype[Any]:
    """The dtype a computation gives, found on one row of zeros (numpy's dtypes do not depend on values)."""
    probe = {name: np.zeros((1, *column.shape), dtype=column.dtype) for name, column in reads.items()}
    try:
        result = op.computation.values(probe, 1)
    except (InferdError, ArithmeticError, TypeError, ValueError) as exc:
        raise UnfusableError(f"{where} cannot be tried on the contract's dtypes: {exc}") from None
    if result.shape != (1,):
        raise UnfusableError(f"{where} gives {result.shape[1:]} values per row, not one")
    return result.dtype


def _fits(column: Column, dtype: np.dtype[Any]) -> bool:
    """Whether ``column`` can be a column of the fused matrix of ``dtype``."""
    if column.is_changed:
        return column.dtype == dtype and not column.shape
    return column.dtype.kind in "biuf" and not column.shape


def _sources(stack: Stack, columns: Sequence[Column]) -> list[str]:
    """The contract field that fills each matrix column (a computed column starts as a copy of one)."""
    starts = [c.source for c in columns if c.source is not None]
    if not starts:
        raise UnfusableError(f"stack {stack.into!r} holds no contract field to start the matrix from")
    return [starts[0] if column.source is None else column.source for column in columns]


def _early(change: _Change, positions: Mapping[int, int]) -> EarlyColumn:
    assert isinstance(change.op, Computed)  # only derives are early
    reads = tuple((name, str(column.source)) for name, column in change.reads.items())
    return EarlyColumn(positions[id(change.column)], change.op.computation, reads)


def _kernel_program(
    changes: Sequence[_Change], positions: Mapping[int, int], dtype: np.dtype[Any]
) -> KernelProgram:
    """Every change as instructions, in the steps' order (no early columns: rows are independent)."""
    program = KernelProgram(dtype)
    for change in changes:
        op, at = change.op, positions[id(change.column)]
        if isinstance(op, NanFill) and change.value is not None:
            program.fill(at, change.value)
        elif isinstance(op, Clamp):
            program.clamp(at, *(None if bound is None else bound.like(dtype) for bound in (op.low, op.high)))
        elif isinstance(op, AffineMap):
            program.affine(at, op.offset.like(dtype), op.divisor.like(dtype))
        elif isinstance(op, Computed):
            derive = _derive_in(op, dtype)
            # A column of another dtype is cast in the matrix: numpy would compute with its own values.
            readable = {
                name: positions[id(column)]
                for name, column in change.reads.items()
                if id(column) in positions and column.dtype == dtype and not column.shape
            }
            emit_expression(program, derive.expression.tree, readable, at)
    return program.seal()


def _derive_in(op: Computed, dtype: np.dtype[Any]) -> Derive:
    """The derive behind ``op``, if numpy computes it in ``dtype`` itself (not in float64, then cast).

    (A derive that ends in another dtype is not fused at all: the planner keeps changed columns in one.)
    """
    derive = op.computation
    if not isinstance(derive, Derive):
        kind = type(derive).__name__
        raise UntranslatableError(f"{op.field!r} is computed by {kind}, which has no instructions")
    probe = {name: np.zeros(1, dtype=dtype) for name in derive.fields}
    try:
        natural = np.asarray(derive.expression(probe)).dtype
    except InferdError as exc:
        raise UntranslatableError(str(exc)) from None
    if natural != dtype:
        raise UntranslatableError(f"{derive.name} computes in {natural}, not {dtype}")
    return derive


def _emit(program: MatrixProgram, change: _Change, positions: Mapping[int, int]) -> None:
    op, at, dtype = change.op, positions[id(change.column)], program.dtype
    if isinstance(op, NanFill) and change.value is not None:
        program.fill(at, change.value)
    elif isinstance(op, Clamp):
        low = None if op.low is None else op.low.like(dtype)
        program.clamp(at, low, None if op.high is None else op.high.like(dtype))
    elif isinstance(op, AffineMap):
        program.affine(at, op.offset.like(dtype), op.divisor.like(dtype))
    elif isinstance(op, Computed):
        # Only changed fields are read from the matrix: the others keep their own dtype in the batch.
        in_matrix = {name: positions[id(c)] for name, c in change.reads.items() if c.is_changed}
        from_batch = {name: str(c.source) for name, c in change.reads.items() if not c.is_changed}
        program.compute(ComputeStage(at, op.computation, in_matrix, from_batch))
