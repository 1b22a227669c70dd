"""Deciding whether a found expression is *exactly* a formula: parse, rationalise, compare.

An expression found by a search carries floating-point constants. It is called exact only if

1. it is turned into an expression with rational constants of bounded denominator
   (:func:`rationalize`): a rational function of the inputs is first brought to the form P/Q with
   expanded polynomials, both divided by Q's coefficient of largest magnitude (the constants of
   a search tree are determined only up to such joint rescalings), then every coefficient is
   replaced by the nearest fraction with denominator ≤ ``max_denominator``, which must lie
   within ``rtol`` × the largest coefficient; other expressions have each constant rounded the
   same way;
2. the rationalised expression reproduces every target of a table *exactly* in rational
   arithmetic (:func:`exact_on_table`), and, where a ground-truth formula is known,
3. ``cancel(expression - truth) == 0`` (:func:`same_function`), a complete decision procedure
   for rational functions with rational coefficients.

Expressions are parsed by :func:`parse` from Python's syntax tree with a whitelist of
operations, not with ``sympy.sympify`` (which evaluates arbitrary code: expressions may come
from untrusted leaderboard submissions).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

FUNCTIONS = {
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "sqrt": sympy.sqrt,
    "exp": sympy.exp,
    "log": sympy.log,
    "abs": sympy.Abs,
    "Abs": sympy.Abs,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tanh": sympy.tanh,
}
_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
    ast.BitXor: lambda a, b: a**b,  # operon's infix power "x ^ 2"
}


class ExpressionError(ValueError):
    """An expression string uses syntax, names or functions outside the whitelist."""


def parse(text: str, names: Sequence[str]) -> sympy.Expr:
    """Sympy expression of ``text`` over the variables ``names``.

    Accepts numbers, the names, + - * / ** ^, unary minus and the functions in ``FUNCTIONS``.
    Integer literals stay exact; decimal literals become ``sympy.Float`` at full precision.
    Raises :class:`ExpressionError` for anything else and for undefined expressions (1/0).
    """
    symbols = {name: sympy.Symbol(name) for name in names}
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse expression {text!r}: {error.msg}") from error

    def build(node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            if isinstance(node.value, int):
                return sympy.Integer(node.value)
            return sympy.Float(repr(node.value), 17)
        if isinstance(node, ast.Name) and node.id in symbols:
            return symbols[node.id]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            return FUNCTIONS[node.func.id](build(node.args[0]))
        raise ExpressionError(
            f"{ast.unparse(node)!r} in {text!r} is not allowed: use numbers, the variables "
            f"{list(names)}, + - * / ** and the functions {sorted(FUNCTIONS)}"
        )

    expr = sympy.sympify(build(tree.body))
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError(f"{text!r} is undefined (a division by zero or an infinity)")
    return expr


def _nearest_fraction(value: float, max_denominator: int) -> Fraction:
    return Fraction(value).limit_denominator(max_denominator)


def rationalize(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], max_denominator: int, rtol: float
) -> sympy.Expr | None:
    """``expr`` with rational constants (see module docstring), or None if some constant is not
    within ``rtol`` of a fraction with denominator ≤ ``max_denominator``."""
    if not expr.atoms(sympy.Float):
        return sympy.cancel(expr) if expr.is_rational_function(*symbols) else expr
    if symbols and expr.is_rational_function(*symbols):
        return _rationalize_rational_function(expr, symbols, max_denominator, rtol)
    replacements = {}
    for constant in expr.atoms(sympy.Float):
        value = float(constant)
        fraction = _nearest_fraction(value, max_denominator)
        if abs(value - float(fraction)) > rtol * max(1.0, abs(value)):
            return None
        replacements[constant] = sympy.Rational(fraction.numerator, fraction.denominator)
    return sympy.nsimplify(expr.xreplace(replacements), rational=True)


def _rationalize_rational_function(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], max_denominator: int, rtol: float
) -> sympy.Expr | None:
    numerator, denominator = sympy.fraction(sympy.together(expr))
    num = sympy.Poly(sympy.expand(numerator), *symbols)
    den = sympy.Poly(sympy.expand(denominator), *symbols)
    lead = max((float(c) for c in den.coeffs()), key=abs)
    if lead == 0.0:
        return None
    terms = [(monomial, float(c) / lead, True) for monomial, c in num.terms()]
    terms += [(monomial, float(c) / lead, False) for monomial, c in den.terms()]
    scale = max(abs(value) for _, value, _ in terms)
    parts: dict[bool, sympy.Expr] = {True: sympy.Integer(0), False: sympy.Integer(0)}
    for monomial, value, in_numerator in terms:
        fraction = _nearest_fraction(value, max_denominator)
        if abs(value - float(fraction)) > rtol * scale:
            return None
        term = sympy.Rational(fraction.numerator, fraction.denominator)
        for symbol, power in zip(symbols, monomial, strict=True):
            term *= symbol**power
        parts[in_numerator] += term
    if parts[False] == 0:
        return None
    return sympy.cancel(parts[True] / parts[False])


def exact_on_table(
    expr: sympy.Expr,
    symbols: Sequence[sympy.Symbol],
    inputs: np.ndarray,
    numerators: np.ndarray,
    denominators: np.ndarray,
) -> bool:
    """Whether ``expr`` (exact constants only) equals every target
    ``numerators[i]/denominators[i]`` at the integer rows ``inputs[i]``, in exact arithmetic.

    Rational functions are evaluated as polynomials over the rows; other expressions (square
    roots, ...) by exact substitution, so √144 is 12 and a value that is irrational, complex or
    infinite matches no target. False for expressions with float constants, and at poles.
    """
    if expr.atoms(sympy.Float):
        return False
    rows = np.asarray(inputs).astype(np.int64).astype(object)
    targets = zip(numerators.tolist(), denominators.tolist(), strict=True)
    if not expr.is_rational_function(*symbols):
        return all(
            _exact_value(expr, symbols, row) == sympy.Rational(int(a), int(d))
            for row, (a, d) in zip(rows, targets, strict=True)
        )
    numerator, denominator = sympy.fraction(sympy.cancel(expr))
    top, bottom = (_poly_values(part, symbols, rows) for part in (numerator, denominator))
    for t, b, (a, d) in zip(top, bottom, targets, strict=True):
        if b == 0 or t * int(d) != b * int(a):
            return False
    return True


def _exact_value(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], row: Sequence[int]) -> Any:
    """``expr`` at one integer row in exact arithmetic; None unless the value is rational."""
    value = expr.xreplace(dict(zip(symbols, map(sympy.Integer, row), strict=True)))
    return value if value.is_Rational else None


def _poly_values(poly_expr: sympy.Expr, symbols: Sequence[sympy.Symbol], rows: np.ndarray) -> list:
    """Exact values (Python Fractions) of a polynomial with rational coefficients at each row."""
    values = np.zeros(len(rows), dtype=object)
    for monomial, coefficient in sympy.Poly(poly_expr, *symbols).terms():
        term = np.full(len(rows), Fraction(int(coefficient.p), int(coefficient.q)), dtype=object)
        for column, power in enumerate(monomial):
            if power:
                term = term * rows[:, column] ** power
        values = values + term
    return values.tolist()


def same_function(expr: sympy.Expr, truth: sympy.Expr) -> bool:
    """Whether two expressions are identical: ``cancel(expr - truth) == 0`` for rational
    functions, ``simplify`` otherwise (which can only prove, never refute, non-rational cases)."""
    difference = sympy.cancel(sympy.together(expr - truth))
    if difference == 0:
        return True
    if difference.atoms(sympy.Float):
        return False
    return sympy.simplify(difference) == 0


def complexity(expr: sympy.Expr) -> int:
    """Number of nodes of the sympy expression tree (symbols, numbers and operations)."""
    return sum(1 for _ in sympy.preorder_traversal(expr))
