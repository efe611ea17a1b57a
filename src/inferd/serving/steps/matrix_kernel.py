"""MatrixKernel: fused preprocessing as one compiled call per batch (numba), instead of a numpy call per op.

Why it exists: the numpy :class:`~inferd.serving.steps.matrix_program.MatrixProgram`
still pays about a microsecond per numpy call, so seven steps cost a quarter of
a 30-feature model's time at 32 rows. Here the steps become a small program of
instructions, run by one interpreter that numba compiles once per matrix dtype
(cached on disk): the whole program costs about one call. It decodes each
instruction once and applies it down all rows (instruction-major: 2x faster
than row by row at 32 rows), keeping every value's order of steps.

The interpreter is compiled once and the programs are data, so a deployment
never waits for a compiler and no text is ever generated or executed. Each
instruction does exactly what its numpy twin does, in the same dtype (no fused
multiply-add, IEEE division, numpy's NaN and signed-zero rules for maximum and
minimum); the property tests hold both paths to the same bits.

numba is the optional extra ``inferd[jit]``. Without it, or for ops the
interpreter does not have, the plan runs on numpy as before.
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np


class Op(enum.IntEnum):
    """One instruction: ``(op, column, constant index)``; stack ops work on columns of values."""

    FILL = 0  # row[c] = K[k] where row[c] is NaN
    MAX = 1  # row[c] = maximum(row[c], K[k])
    MIN = 2  # row[c] = minimum(row[c], K[k])
    AFFINE = 3  # row[c] = (row[c] - K[k]) / K[k + 1]
    LOAD = 4  # push row[c]
    CONST = 5  # push K[k]
    STORE = 6  # pop into row[c]
    ADD = 7
    SUB = 8
    MUL = 9
    DIV = 10
    MAXIMUM = 11  # numpy's maximum of the top two
    MINIMUM = 12
    NEG = 13
    ABS = 14
    SQRT = 15
    FLOOR = 16
    CEIL = 17


STACK_DEPTH = 32  # deeper expressions run on numpy

Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray, int], None]
ScoreKernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]

_lock = threading.Lock()
_module: ModuleType | None = None
_failure: str | None = None


class UntranslatableError(Exception):
    """Why a program runs on numpy instead (never leaves the planner)."""


class KernelProgram:
    """Instructions for the interpreter, built op by op in the steps' order, over a matrix of ``dtype``."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype = dtype
        self._code: list[tuple[int, int, int]] = []
        self._constants: list[float] = []
        self._sealed: tuple[Kernel, np.ndarray, np.ndarray, int] | None = None
        self._depth = 0  # values on the expression stack after the last instruction
        self.depth = 0  # the most at any point: the stack the kernel allocates

    def constant(self, value: object) -> int:
        """The index of ``value`` among the constants, as the matrix's dtype holds it."""
        self._constants.append(float(np.asarray(value, dtype=self.dtype)))
        return len(self._constants) - 1

    def emit(self, op: Op, column: int = 0, constant: int = 0) -> None:
        if op in (Op.LOAD, Op.CONST):
            self._depth += 1
            if self._depth > STACK_DEPTH:
                raise UntranslatableError(f"the expression needs more than {STACK_DEPTH} values at once")
        elif op == Op.STORE or Op.ADD <= op <= Op.MINIMUM:
            self._depth -= 1
        self.depth = max(self.depth, self._depth)
        self._code.append((int(op), column, constant))

    def fill(self, column: int, value: object) -> None:
        self.emit(Op.FILL, column, self.constant(value))

    def clamp(self, column: int, low: np.ndarray | None, high: np.ndarray | None) -> None:
        if low is not None:
            self.emit(Op.MAX, column, self.constant(low))
        if high is not None:
            self.emit(Op.MIN, column, self.constant(high))

    def affine(self, column: int, offset: np.ndarray, divisor: np.ndarray) -> None:
        first = self.constant(offset)
        self.constant(divisor)
        self.emit(Op.AFFINE, column, first)

    def seal(self) -> KernelProgram:
        """Finish the program: from now on :meth:`run` runs it (numba is loaded here, once per process)."""
        code = np.array(self._code, dtype=np.int32).reshape(-1, 3)
        constants = np.array(self._constants, dtype=self.dtype)
        self._sealed = (kernel(self.dtype), code, constants, self.depth)
        return self

    def run(self, matrix: np.ndarray, batch: object = None) -> None:
        """Run the sealed program on every row of ``matrix`` in place; ``batch`` is unused."""
        if self._sealed is None:
            raise RuntimeError("KernelProgram.run before seal()")
        compiled, code, constants, depth = self._sealed
        compiled(matrix, code, constants, depth)


def is_available() -> bool:
    """Whether numba is installed, so fused programs can run compiled."""
    return importlib.util.find_spec("numba") is not None


def preload() -> None:
    """Import numba and load the kernels now, if numba is installed (a load thread calls this).

    Pipelines are built on the event loop; the first one to compile would
    otherwise hold the loop for the import and load (0.5 s, or seconds when
    numba's cache is cold). A failure is kept for the plans to report.
    """
    if is_available():
        with contextlib.suppress(UntranslatableError):
            _compiled()


def kernel(dtype: np.dtype[Any]) -> Kernel:
    """The compiled interpreter of matrix programs, for a matrix of ``dtype``."""
    return _compiled().matrix_entry(dtype.type)  # type: ignore[no-any-return]


def score_kernel(dtype: np.dtype[Any]) -> ScoreKernel:
    """The compiled interpreter of score programs (``score_plan``), for a source of ``dtype``."""
    return _compiled().score_entry(dtype.type)  # type: ignore[no-any-return]


def _compiled() -> ModuleType:
    """The compiled kernels (numba imported and the kernels compiled or loaded on first use).

    Raises :class:`UntranslatableError` when numba cannot build them (a broken
    install, say): plans then run on numpy, and their repr says why.
    """
    global _module, _failure
    with _lock:
        if _module is None and _failure is None:
            try:
                from inferd.serving.steps import matrix_kernel_jit  # imports numba: only here

                _warm_up(matrix_kernel_jit)
                _module = matrix_kernel_jit
            except Exception as exc:  # numba raises many kinds; any of them means "use numpy"
                _failure = f"numba could not build the interpreter: {exc!r}"
        if _module is None:
            raise UntranslatableError(_failure)
        return _module


def _warm_up(module: ModuleType) -> None:
    """Compile (or load from numba's cache) every signature served, here rather than in a request."""
    for dtype in (np.float32, np.float64):
        module.matrix_entry(dtype)
        module.score_entry(dtype)
