"""Exactness decisions: parsing, rationalisation, exact evaluation, the choice from a front."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from baselines.cft import symbolic, theories
from baselines.cft.search import Scored, choose, has_nested_square
from tasks.cft.tables import family_tables

K, L, P, Q, R, S = sympy.symbols("k l p q r s")
HELD = {"n_theories": 5, "primary_fraction": 1.0}


def wzw_h_table():
    arrays = family_tables("wzw", "h", 30, 0.5, HELD)
    return arrays["train_x"], arrays["train_num"], arrays["train_den"]


def test_parse_reads_operon_and_sympy_syntax():
    expr = symbolic.parse("((2.0 * l) ^ 2) / (4 * (k + 2)) + square(l) - l**2", ["k", "l"])
    assert sympy.simplify(expr - 4.0 * L**2 / (4 * (K + 2))) == 0
    assert symbolic.parse("-(3*k)/(k+2)", ["k"]) == -3 * K / (K + 2)


@pytest.mark.parametrize(
    "text", ["__import__('os').system('true')", "k.real", "x + 1", "lambda: 1", "k if k else 1"]
)
def test_parse_refuses_anything_outside_the_whitelist(text):
    with pytest.raises(symbolic.ExpressionError, match=r"not allowed|cannot parse"):
        symbolic.parse(text, ["k"])


def test_rescaled_search_tree_rationalises_to_the_formula():
    """An operon tree: constants fixed only up to a joint rescaling of numerator/denominator."""
    found = symbolic.parse(
        "0.0000001 + (-0.5699) * (((2.8873 * l) ^ 2) - ((-16.6729) * l))"
        " / ((-38.005) + (-19.0025) * k)",
        ["k", "l"],
    )  # 16.6729 = 2 x 2.8873², so the tree is h_l up to float rounding
    rational = symbolic.rationalize(found, [K, L], 1000, 1e-4)
    truth = symbolic.parse(theories.FORMULAS[("wzw", "h")], ["k", "l"])
    assert symbolic.same_function(rational, truth)
    assert symbolic.exact_on_table(rational, [K, L], *wzw_h_table())


def test_approximate_constants_are_never_exact():
    """The seed's PySR expression α1 l(l + α2)/(α3 (k + α2)) fits but is not exact."""
    found = (0.48822 / 1.9514) * L * (L + 1.9952) / (K + 1.9952)
    assert symbolic.rationalize(found, [K, L], 1000, 1e-5) is None
    loose = symbolic.rationalize(found, [K, L], 1000, 1e-2)  # a careless tolerance...
    assert not symbolic.exact_on_table(loose, [K, L], *wzw_h_table())  # ...still not exact


def test_exact_evaluation_detects_an_off_by_one_coefficient_and_poles():
    x, num, den = wzw_h_table()
    assert symbolic.exact_on_table(L * (L + 2) / (4 * (K + 2)), [K, L], x, num, den)
    assert not symbolic.exact_on_table(L * (L + 2) / (4 * (K + 3)), [K, L], x, num, den)
    assert not symbolic.exact_on_table(L * (L + 2) / (4 * (K - 1)), [K, L], x, num, den)  # k = 1
    assert not symbolic.exact_on_table(sympy.sqrt(L) * L, [K, L], x, num, den)
    root = sympy.sqrt((L * (L + 2)) ** 2)  # algebraic, exact where the root is taken exactly
    assert symbolic.exact_on_table(root / (4 * (K + 2)), [K, L], x, num, den)
    assert not symbolic.exact_on_table(root / (4 * (K + 3)), [K, L], x, num, den)


def test_same_function_proves_equivalent_forms_of_minimal_h():
    truth = symbolic.parse(theories.FORMULAS[("minimal", "h")], list("pqrs"))
    factored = (P * (R - 1) - Q * (S - 1)) * (P * (R + 1) - Q * (S + 1)) / (4 * P * Q)
    expanded = (P * (R**2 - 1) / Q + Q * (S**2 - 1) / P - 2 * (R * S - 1)) / 4
    assert symbolic.same_function(factored, truth) and symbolic.same_function(expanded, truth)
    assert not symbolic.same_function(expanded + sympy.Rational(1, 10**9), truth)


def test_nested_square_detection():
    assert has_nested_square(symbolic.parse("square(square(k)) + 1", ["k"]))
    assert not has_nested_square(symbolic.parse("square(k - 1) * square(k)", ["k"]))


def _scored(complexity, mse, exact):
    return Scored(sympy.Integer(0), None, complexity, complexity, mse, exact)


def test_choice_prefers_exact_then_tolerance_then_accuracy():
    target = np.ones(4)
    front = [_scored(5, 1e-3, False), _scored(9, 1e-30, True), _scored(7, 1e-16, False)]
    assert choose(front, target, 1e-10) == (1, "simplest exact on training rows")
    front[1] = _scored(9, 1e-30, False)
    assert choose(front, target, 1e-10) == (2, "simplest with training NMSE <= 1e-10")
    assert choose(front, target, 1e-40)[0] == 1
    assert "none within tolerance" in choose(front, target, 1e-40)[1]
