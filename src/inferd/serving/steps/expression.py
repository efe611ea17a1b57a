"""Expression: a small arithmetic language over fields, parsed with :mod:`ast` and run on whole arrays.

The text is parsed as one Python expression and every node is checked against a
whitelist before anything runs; nothing is ever passed to ``eval`` or ``exec``.
The checked tree becomes a tree of closures that call numpy ufuncs, so one
evaluation costs a few numpy calls for the whole batch.

Allowed: field names (Python identifiers), numbers, booleans and strings (for
comparisons), ``+ - * / // % **``, unary ``-`` and ``+``, comparisons (chains
too: ``0 < x <= 1``), ``and``, ``or``, ``not`` (element-wise), parentheses, and
the functions in :data:`FUNCTIONS`. Numbers follow numpy: ``log(0)`` is
``-inf``, ``1 / 0`` is ``inf``, without warnings.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.step import field_of
from inferd.tensors import Batch

Evaluator = Callable[[Batch], Any]

MAX_LENGTH = 2000
MAX_NODES = 400

# name -> (function, number of arguments)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "abs": (np.abs, 1),
    "ceil": (np.ceil, 1),
    "clip": (np.clip, 3),
    "exp": (np.exp, 1),
    "floor": (np.floor, 1),
    "isnan": (np.isnan, 1),
    "log": (np.log, 1),
    "log10": (np.log10, 1),
    "log1p": (np.log1p, 1),
    "log2": (np.log2, 1),
    "maximum": (np.maximum, 2),
    "minimum": (np.minimum, 2),
    "sign": (np.sign, 1),
    "sqrt": (np.sqrt, 1),
    "where": (np.where, 3),
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: np.negative,
    ast.UAdd: np.positive,
    ast.Not: np.logical_not,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_SYMBOLS = "fields, numbers, + - * / // % **, comparisons, and, or, not, parentheses"


class Expression:
    """``text`` parsed and checked; call it on a batch for the result (an array, or a scalar).

    ``where`` prefixes every message (``"step 3 (derive)"``). Bad text raises
    :class:`InvalidInputError` here; bad data (a missing field, values numpy
    refuses) raises it when called.
    """

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self._where = where
        self.fields: set[str] = set()
        self.tree = self._parse(text).body
        self._evaluate = self._compile(self.tree)

    def __call__(self, batch: Batch) -> Any:
        try:
            with np.errstate(all="ignore"):
                return self._evaluate(batch)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"{self._where}: {self.text!r} cannot be evaluated on this batch: {exc}"
            ) from exc

    def _refuse(self, message: str) -> InvalidInputError:
        return InvalidInputError(f"{self._where}: expression {self.text!r}: {message}")

    def _parse(self, text: str) -> ast.Expression:
        if len(text) > MAX_LENGTH:
            raise self._refuse(f"is longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
            raise self._refuse(f"is not a valid expression ({exc})") from None
        if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
            raise self._refuse(f"has more than {MAX_NODES} parts")
        return tree

    def _compile(self, node: ast.expr) -> Evaluator:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._field(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _apply(_BINARY[type(node.op)], self._compile(node.left), self._compile(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _apply(_UNARY[type(node.op)], self._compile(node.operand))
        if isinstance(node, ast.Compare):
            return self._comparison(node)
        if isinstance(node, ast.BoolOp):
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return _chain(combine, [self._compile(value) for value in node.values])
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self._refuse(f"{ast.unparse(node)!r} is not allowed; use {_SYMBOLS} and {', '.join(FUNCTIONS)}")

    def _constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if not isinstance(value, int | float | bool | str):
            raise self._refuse(f"the constant {value!r} is not allowed; use numbers, booleans or strings")
        return lambda batch: value

    def _field(self, field: str) -> Evaluator:
        if field in FUNCTIONS:
            raise self._refuse(f"{field!r} is a function; call it, e.g. {field}(x)")
        self.fields.add(field)
        where = self._where
        return lambda batch: field_of(batch, field, where)

    def _comparison(self, node: ast.Compare) -> Evaluator:
        operands = [self._compile(node.left)] + [self._compile(c) for c in node.comparators]
        parts = []
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                raise self._refuse(f"the comparison {type(op).__name__} is not allowed; use < <= > >= == !=")
            parts.append(_apply(_COMPARE[type(op)], operands[i], operands[i + 1]))
        return parts[0] if len(parts) == 1 else _chain(np.logical_and, parts)

    def _call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self._refuse(
                f"{ast.unparse(node.func)!r} is not a known function; use {', '.join(FUNCTIONS)}"
            )
        function, arity = FUNCTIONS[node.func.id]
        if node.keywords or len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
            raise self._refuse(f"{node.func.id}() takes {arity} positional argument(s)")
        return _apply(function, *(self._compile(arg) for arg in node.args))


def _apply(function: Callable[..., Any], *operands: Evaluator) -> Evaluator:
    if len(operands) == 1:
        (only,) = operands
        return lambda batch: function(only(batch))
    if len(operands) == 2:
        left, right = operands
        return lambda batch: function(left(batch), right(batch))
    return lambda batch: function(*(operand(batch) for operand in operands))


def _chain(combine: Callable[[Any, Any], Any], parts: list[Evaluator]) -> Evaluator:
    def evaluate(batch: Batch) -> Any:
        result = parts[0](batch)
        for part in parts[1:]:
            result = combine(result, part(batch))
        return result

    return evaluate
