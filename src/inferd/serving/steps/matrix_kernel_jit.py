"""The interpreter of :mod:`~inferd.serving.steps.matrix_kernel`, compiled by numba (imported only here).

The opcodes are :class:`~inferd.serving.steps.matrix_kernel.Op`'s values,
written as literals because numba compiles the branches best on plain ints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np


@numba.njit(inline="always", cache=True)
def _maximum(a: Any, b: Any) -> Any:  # pragma: no cover - runs compiled
    # numpy's: NaN wins (the first one), and of two equal values (0.0 and -0.0) the second.
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


@numba.njit(inline="always", cache=True)
def _minimum(a: Any, b: Any) -> Any:  # pragma: no cover - runs compiled
    if a != a:
        return a
    if b != b:
        return b
    return a if a < b else b


# error_model="numpy": 1/0 is inf and 0/0 NaN, as numpy gives, instead of an exception.
@numba.njit(nogil=True, cache=True, error_model="numpy")
def run(matrix: Any, code: Any, constants: Any, depth: int) -> None:  # pragma: no cover - runs compiled
    """Run ``code`` (rows of op, column, constant index) on ``matrix`` in place, one instruction at a time.

    Instruction-major: each instruction is decoded once and applied down all rows
    (rows are independent, so the order of the steps per value is kept). The
    expression stack holds ``depth`` columns of values.
    """
    rows = matrix.shape[0]
    stack = np.empty((depth, rows), matrix.dtype)
    top = -1
    for pc in range(code.shape[0]):
        op = code[pc, 0]
        c = code[pc, 1]
        k = code[pc, 2]
        if op == 0:  # FILL
            value = constants[k]
            for i in range(rows):
                if matrix[i, c] != matrix[i, c]:
                    matrix[i, c] = value
        elif op == 1:  # MAX
            bound = constants[k]
            for i in range(rows):
                matrix[i, c] = _maximum(matrix[i, c], bound)
        elif op == 2:  # MIN
            bound = constants[k]
            for i in range(rows):
                matrix[i, c] = _minimum(matrix[i, c], bound)
        elif op == 3:  # AFFINE
            offset = constants[k]
            divisor = constants[k + 1]
            for i in range(rows):
                matrix[i, c] = (matrix[i, c] - offset) / divisor
        elif op == 4:  # LOAD
            top += 1
            for i in range(rows):
                stack[top, i] = matrix[i, c]
        elif op == 5:  # CONST
            top += 1
            value = constants[k]
            for i in range(rows):
                stack[top, i] = value
        elif op == 6:  # STORE
            for i in range(rows):
                matrix[i, c] = stack[top, i]
            top -= 1
        elif op <= 12:  # binary: the top two columns into one
            top -= 1
            a = stack[top]
            b = stack[top + 1]
            if op == 7:
                for i in range(rows):
                    a[i] = a[i] + b[i]
            elif op == 8:
                for i in range(rows):
                    a[i] = a[i] - b[i]
            elif op == 9:
                for i in range(rows):
                    a[i] = a[i] * b[i]
            elif op == 10:
                for i in range(rows):
                    a[i] = a[i] / b[i]
            elif op == 11:
                for i in range(rows):
                    a[i] = _maximum(a[i], b[i])
            else:
                for i in range(rows):
                    a[i] = _minimum(a[i], b[i])
        else:  # unary, on the top column
            a = stack[top]
            if op == 13:
                for i in range(rows):
                    a[i] = -a[i]
            elif op == 14:
                for i in range(rows):
                    a[i] = abs(a[i])
            elif op == 15:
                for i in range(rows):
                    a[i] = np.sqrt(a[i])
            elif op == 16:
                for i in range(rows):
                    a[i] = np.floor(a[i])
            else:
                for i in range(rows):
                    a[i] = np.ceil(a[i])


@numba.njit(inline="always", cache=True)
def _interp(x: Any, constants: Any, start: int, n: int) -> Any:  # pragma: no cover - runs compiled
    """``np.interp(x, xp, fp)`` for one float64 ``x``, xp and fp being ``constants[start:start + 2n]``.

    numpy's own algorithm, case by case, so the bits agree (the tests compare them).
    """
    if x != x:
        return x
    last = start + n - 1
    if x < constants[start]:
        return constants[start + n]
    if x >= constants[last]:
        return constants[last + n]
    j = start
    while constants[j + 1] <= x:
        j += 1
    if constants[j] == x:
        return constants[j + n]
    slope = (constants[j + 1 + n] - constants[j + n]) / (constants[j + 1] - constants[j])
    result = slope * (x - constants[j]) + constants[j + n]
    if result != result:
        result = slope * (x - constants[j + 1]) + constants[j + 1 + n]
        if result != result and constants[j + n] == constants[j + 1 + n]:
            result = constants[j + n]
    return result


@numba.njit(nogil=True, cache=True, error_model="numpy")
def run_scores(
    source: Any, work: Any, flags: Any, targets: Any, code: Any, constants: Any
) -> None:  # pragma: no cover - runs compiled
    """Run the score ``code`` (op, column, constant index, count, slot), one instruction down all rows.

    ``work`` (float64) starts as a copy of ``source``; thresholds write ``flags[slot]``,
    calibrations with a target ``targets[slot]``.
    """
    rows, width = source.shape
    for i in range(rows):
        for j in range(width):
            work[i, j] = source[i, j]
    for pc in range(code.shape[0]):
        op = code[pc, 0]
        c = code[pc, 1]
        k = code[pc, 2]
        n = code[pc, 3]
        slot = code[pc, 4]
        if op == 0:  # INTERP in place
            for i in range(rows):
                work[i, c] = _interp(work[i, c], constants, k, n)
        elif op == 1:  # INTERP into targets[slot]
            for i in range(rows):
                targets[slot, i] = _interp(work[i, c], constants, k, n)
        elif op == 2:  # THRESHOLD into flags[slot]
            bound = constants[k]
            for i in range(rows):
                flags[slot, i] = 1 if work[i, c] >= bound else 0
        elif op == 3:  # ROUND to decimals >= 0: constants[k] is 10**decimals
            f = constants[k]
            for i in range(rows):
                for j in range(width):
                    work[i, j] = np.rint(work[i, j] * f) / f
        else:  # ROUND to negative decimals: constants[k] is 10**-decimals
            f = constants[k]
            for i in range(rows):
                for j in range(width):
                    work[i, j] = np.rint(work[i, j] / f) * f


def matrix_entry(dtype: type[np.floating[Any]]) -> Callable[..., None]:
    """:func:`run` for a C-contiguous matrix of ``dtype``."""
    examples = (np.zeros((1, 1), dtype), np.zeros((1, 3), np.int32), np.zeros(1, dtype), 0)
    return _entry(run, examples)


def score_entry(dtype: type[np.floating[Any]]) -> Callable[..., None]:
    """:func:`run_scores` for a C-contiguous, aligned, writeable source of ``dtype``."""
    source, floats, flags = np.zeros((1, 1), dtype), np.zeros((1, 1)), np.zeros((1, 1), np.intp)
    return _entry(run_scores, (source, floats, flags, floats, np.zeros((1, 5), np.int32), np.zeros(1)))


def _entry(dispatcher: Any, examples: tuple[Any, ...]) -> Callable[..., None]:
    """The compiled overload for arguments typed as ``examples``, called without numba's dispatch.

    Resolving the overload from the arguments' types costs numba about 0.13 µs a
    call, a tenth of a small program's time. The entry still checks what it
    unboxes (a wrong type raises TypeError, it never misreads memory); where numba
    keeps no entry (another version), the dispatcher itself serves.
    """
    signature = tuple(numba.typeof(example) for example in examples)  # type: ignore[no-untyped-call]
    try:
        if signature not in dispatcher.overloads:
            dispatcher.compile(signature)
        entry: Callable[..., None] = dispatcher.overloads[signature].entry_point
    except (AttributeError, KeyError, TypeError):
        return dispatcher  # type: ignore[no-any-return]
    return entry
