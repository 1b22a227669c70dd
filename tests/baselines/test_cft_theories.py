"""Exact CFT spectra against textbook values, symmetries and independent formulas."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from baselines.cft import theories as t


@pytest.mark.parametrize(
    ("p", "q", "c", "weights"),
    [
        (3, 4, F(1, 2), {F(0), F(1, 16), F(1, 2)}),  # Ising
        (4, 5, F(7, 10), {F(0), F(1, 10), F(3, 5), F(3, 2), F(3, 80), F(7, 16)}),  # tricritical
        (2, 5, F(-22, 5), {F(0), F(-1, 5)}),  # Yang-Lee
        (5, 6, F(4, 5), {F(0), F(1, 8), F(2, 3), F(13, 8), F(3), F(2, 5), F(1, 40), F(21, 40),
                         F(7, 5), F(1, 15)}),  # three-state Potts / tetracritical Ising
    ],
)  # fmt: skip
def test_minimal_models_match_textbook_spectra(p, q, c, weights):
    assert t.minimal_c(p, q) == c
    assert {h for _, h in t.primaries("minimal", (p, q))} == weights


def test_unitary_series_and_kac_symmetry():
    for m in range(3, 30):
        assert t.minimal_c(m, m + 1) == 1 - F(6, m * (m + 1))
    for p, q in t.theories("minimal", 0, 40):
        for r in range(1, q):
            for s in range(1, p):
                assert t.minimal_h(p, q, r, s) == t.minimal_h(p, q, q - r, p - s)
        assert t.minimal_h(p, q, 1, 1) == 0  # the identity


def test_wzw_against_sugawara_with_spin_j():
    assert t.wzw_c(1) == 1 and t.wzw_c(2) == F(3, 2)
    assert [h for _, h in t.primaries("wzw", (2,))] == [0, F(3, 16), F(1, 2)]
    for k in range(1, 50):
        assert t.wzw_c(k) == F(k * 3, k + 2)  # k dim g / (k + h∨)
        for level in range(k + 1):
            j = F(level, 2)
            assert t.wzw_h(k, level) == j * (j + 1) / (k + 2)  # Casimir / (k + h∨)


def test_theories_are_ordered_coprime_and_distinct():
    minimal = t.theories("minimal", 0, 100)
    assert minimal[:4] == [(2, 3), (3, 4), (2, 5), (3, 5)]
    assert len(set(minimal)) == 100 and all(p < q for p, q in minimal)
    assert t.theories("minimal", 98, 3) == minimal[98:] + t.theories("minimal", 100, 1)
    assert t.theories("wzw", 5, 2) == [(6,), (7,)]


def test_tables_keep_the_lowest_fraction_of_each_theory():
    inputs, values = t.table("wzw", "h", [(9,)], 0.3)  # 10 primaries -> 3
    assert inputs == [(9, 0), (9, 1), (9, 2)] and values == [0, F(3, 44), F(8, 44)]
    inputs, values = t.table("minimal", "h", [(3, 4)], 0.1)  # 6 labels -> 1 (the identity)
    assert values == [0] and inputs[0][:2] == (3, 4)
    inputs, values = t.table("minimal", "c", [(3, 4), (4, 5)])
    assert inputs == [(3, 4), (4, 5)] and values == [F(1, 2), F(7, 10)]
    assert t.input_names("minimal", "h") == ("p", "q", "r", "s")


def test_h21_as_a_function_of_c_alone():
    """Ising 1/16, tricritical Ising 1/10, Yang-Lee -1/5; inputs are c in lowest terms."""
    inputs, values = t.table("minimal", "h21_of_c", [(3, 4), (4, 5), (2, 5)])
    assert inputs == [(1, 2), (7, 10), (-22, 5)] and values == [F(1, 16), F(1, 10), F(-1, 5)]
    assert t.input_names("minimal", "h21_of_c") == ("c_num", "c_den")
    for (n, d), h in zip(
        *t.table("minimal", "h21_of_c", t.theories("minimal", 0, 200)), strict=True
    ):
        root = math.isqrt((d - n) * (25 * d - n))
        assert root**2 == (d - n) * (25 * d - n) and F(5 * d - n - root, 16 * d) == h


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: t.theories("ising", 0, 3), "unknown CFT family"),
        (lambda: t.theories("wzw", 0, 0), "n >= 1"),
        (lambda: t.table("wzw", "x", [(1,)]), "unknown quantity"),
        (lambda: t.table("wzw", "h", [(1,)], 0.0), "primary_fraction"),
        (lambda: t.table("wzw", "h21_of_c", [(1,)]), "minimal models only"),
    ],
)
def test_bad_requests_are_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
