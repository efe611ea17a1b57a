"""A derive's expression as interpreter instructions, when numpy would compute it in the matrix's dtype.

Only what the interpreter does bit for bit as numpy does is translated: fields
of the matrix's dtype, number constants, ``+ - * /``, unary ``-`` and ``+``,
and ``abs``, ``sqrt``, ``floor``, ``ceil``, ``maximum``, ``minimum``, ``clip``.
Anything else (comparisons, ``where``, ``log``, ``**``, strings) leaves the
derive to numpy, through :class:`~inferd.serving.steps.matrix_kernel.UntranslatableError`.

Why an operation on constants alone is refused: numpy turns it into a numpy
scalar of float64, which is no longer a weak Python number, and promotes the
whole expression to float64, while the interpreter computes in the matrix's dtype.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np

from inferd.serving.steps.matrix_kernel import KernelProgram, Op, UntranslatableError

_BINARY = {ast.Add: Op.ADD, ast.Sub: Op.SUB, ast.Mult: Op.MUL, ast.Div: Op.DIV}
_UNARY_FUNCTIONS = {"abs": Op.ABS, "sqrt": Op.SQRT, "floor": Op.FLOOR, "ceil": Op.CEIL}
_BINARY_FUNCTIONS = {"maximum": Op.MAXIMUM, "minimum": Op.MINIMUM}


def emit_expression(program: KernelProgram, tree: ast.expr, columns: Mapping[str, int], target: int) -> None:
    """Append instructions that compute ``tree`` for each row and store it in column ``target``.

    ``columns`` maps every field the expression may read to its matrix column.
    """
    _Translator(program, columns).emit(tree)
    program.emit(Op.STORE, target)


class _Translator:
    def __init__(self, program: KernelProgram, columns: Mapping[str, int]) -> None:
        self._program = program
        self._columns = columns

    def emit(self, tree: ast.expr) -> None:
        if not self._reads_a_field(tree):
            raise UntranslatableError(f"{ast.unparse(tree)!r} is computed from constants alone")
        self._node(tree)

    def _node(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            if node.id not in self._columns:
                raise UntranslatableError(f"{node.id!r} is not a column of the matrix's dtype")
            self._program.emit(Op.LOAD, self._columns[node.id])
        elif isinstance(node, ast.Constant):
            self._program.emit(Op.CONST, constant=self._constant(node.value))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._operands(node.left, node.right)
            self._program.emit(_BINARY[type(node.op)])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self._operands(node.operand)
            if isinstance(node.op, ast.USub):
                self._program.emit(Op.NEG)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            self._call(node.func.id, node.args)
        else:
            raise UntranslatableError(f"{ast.unparse(node)!r} has no instruction")

    def _call(self, name: str, args: list[ast.expr]) -> None:
        if name in _UNARY_FUNCTIONS and len(args) == 1:
            self._operands(*args)
            self._program.emit(_UNARY_FUNCTIONS[name])
        elif name in _BINARY_FUNCTIONS and len(args) == 2:
            self._operands(*args)
            self._program.emit(_BINARY_FUNCTIONS[name])
        elif name == "clip" and len(args) == 3:
            value, low, high = args
            if not self._reads_a_field(value):
                raise UntranslatableError("clip of a constant")
            self._node(value)
            self._node(low)
            self._program.emit(Op.MAXIMUM)
            self._node(high)
            self._program.emit(Op.MINIMUM)
        else:
            raise UntranslatableError(f"{name}() with {len(args)} arguments has no instruction")

    def _operands(self, *operands: ast.expr) -> None:
        """Operands of one numpy call: at least one must read a field, or numpy computes in float64."""
        if not any(self._reads_a_field(operand) for operand in operands):
            raise UntranslatableError("an operation on constants alone")
        for operand in operands:
            self._node(operand)

    def _constant(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UntranslatableError(f"the constant {value!r} is not a number")
        if isinstance(value, int) and abs(value) > 2**53:  # float(value) would round it once already
            raise UntranslatableError(f"{value!r} does not fit {self._program.dtype} exactly")
        with np.errstate(all="ignore"):
            held = np.asarray(float(value), dtype=self._program.dtype)
        if np.isfinite(value) and not np.isfinite(held):
            raise UntranslatableError(f"{value!r} does not fit {self._program.dtype}")
        return self._program.constant(held)

    @staticmethod
    def _reads_a_field(node: ast.expr) -> bool:
        return any(isinstance(child, ast.Name) and not _is_function(node, child) for child in ast.walk(node))


def _is_function(tree: ast.expr, name: ast.Name) -> bool:
    """Whether ``name`` is the function of a call in ``tree`` (``abs`` in ``abs(x)``), not a field."""
    return any(isinstance(node, ast.Call) and node.func is name for node in ast.walk(tree))
