"""The interpreter of :mod:`~inferd.serving.steps.matrix_kernel`, compiled by numba (imported only here).

The opcodes are :class:`~inferd.serving.steps.matrix_kernel.Op`'s values,
written as literals because numba compiles the branches best on plain ints.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from inferd.serving.steps.matrix_kernel import STACK_DEPTH


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
def run(matrix: Any, code: Any, constants: Any) -> None:  # pragma: no cover - runs compiled
    """Run ``code`` (rows of op, column, constant index) on every row of ``matrix``, in place."""
    stack = np.empty(STACK_DEPTH, matrix.dtype)
    for i in range(matrix.shape[0]):
        row = matrix[i]
        top = -1
        for pc in range(code.shape[0]):
            op = code[pc, 0]
            c = code[pc, 1]
            k = code[pc, 2]
            if op == 0:  # FILL
                if row[c] != row[c]:
                    row[c] = constants[k]
            elif op == 1:  # MAX
                row[c] = _maximum(row[c], constants[k])
            elif op == 2:  # MIN
                row[c] = _minimum(row[c], constants[k])
            elif op == 3:  # AFFINE
                row[c] = (row[c] - constants[k]) / constants[k + 1]
            elif op == 4:  # LOAD
                top += 1
                stack[top] = row[c]
            elif op == 5:  # CONST
                top += 1
                stack[top] = constants[k]
            elif op == 6:  # STORE
                row[c] = stack[top]
                top -= 1
            elif op <= 12:  # binary
                b = stack[top]
                top -= 1
                a = stack[top]
                if op == 7:
                    stack[top] = a + b
                elif op == 8:
                    stack[top] = a - b
                elif op == 9:
                    stack[top] = a * b
                elif op == 10:
                    stack[top] = a / b
                elif op == 11:
                    stack[top] = _maximum(a, b)
                else:
                    stack[top] = _minimum(a, b)
            else:  # unary
                a = stack[top]
                if op == 13:
                    stack[top] = -a
                elif op == 14:
                    stack[top] = abs(a)
                elif op == 15:
                    stack[top] = np.sqrt(a)
                elif op == 16:
                    stack[top] = np.floor(a)
                else:
                    stack[top] = np.ceil(a)
