"""Exact central charges and primary weights of 2D rational CFTs, in rational arithmetic.

Virasoro minimal models M(p, q), p, q ≥ 2 coprime (each theory once, labelled p < q):

    c = 1 - 6 (p - q)² / (p q),     h_{r,s} = ((p r - q s)² - (p - q)²) / (4 p q),

with Kac labels 1 ≤ r ≤ q - 1, 1 ≤ s ≤ p - 1 (every label is kept, so each primary appears
twice, as (r, s) and (q - r, p - s)). WZW su(2)_k, k ≥ 1, with l = 2j ∈ {0, ..., k}:

    c = 3 k / (k + 2),     h_l = l (l + 2) / (4 (k + 2)).

Theories are ordered smallest first: minimal models by q, then p; WZW models by k. Values are
:class:`fractions.Fraction`, so tables carry exact numerators and denominators.

A quantity that is *not* a rational function of its inputs, on purpose (``h21_of_c``, minimal
models only): the weight h_{2,1} = (3p - 2q)/(4q) as a function of the central charge alone,
c = c_num/c_den in lowest terms. With t = p/q < 1 the smaller root of 6t² - (13 - c)t + 6 = 0,

    h_{2,1}(c) = (5 - c - √((1 - c)(25 - c))) / 16
               = (5 c_den - c_num - √((c_den - c_num)(25 c_den - c_num))) / (16 c_den),

(Ising 1/16, Yang-Lee -1/5). Every value is rational, as (1 - c)(25 - c) = (6(q² - p²)/(pq))²,
but no rational function of (c_num, c_den) is the formula: a rational fit can only interpolate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from itertools import count

FAMILIES = ("minimal", "wzw")
QUANTITIES = ("c", "h", "h21_of_c")
THEORY_LABELS = {"minimal": ("p", "q"), "wzw": ("k",)}
PRIMARY_LABELS = {"minimal": ("r", "s"), "wzw": ("l",)}
FORMULAS = {
    ("minimal", "c"): "1 - 6*(p - q)**2/(p*q)",
    ("minimal", "h"): "((p*r - q*s)**2 - (p - q)**2)/(4*p*q)",
    ("wzw", "c"): "3*k/(k + 2)",
    ("wzw", "h"): "l*(l + 2)/(4*(k + 2))",
    (
        "minimal",
        "h21_of_c",
    ): "(5*c_den - c_num - sqrt((c_den - c_num)*(25*c_den - c_num)))/(16*c_den)",
}
QUANTITY_LABELS = {"h21_of_c": ("c_num", "c_den")}  # inputs replacing the theory labels


def minimal_c(p: int, q: int) -> Fraction:
    """Central charge of M(p, q)."""
    return 1 - Fraction(6 * (p - q) ** 2, p * q)


def minimal_h(p: int, q: int, r: int, s: int) -> Fraction:
    """Conformal weight h_{r,s} of M(p, q)."""
    return Fraction((p * r - q * s) ** 2 - (p - q) ** 2, 4 * p * q)


def minimal_h21(p: int, q: int) -> Fraction:
    """h_{2,1} = (3p - 2q)/(4q) of M(p, q) (Kac labels as in :func:`minimal_h`)."""
    return minimal_h(p, q, 2, 1)


def wzw_c(k: int) -> Fraction:
    """Central charge of su(2)_k (Sugawara: k dim g / (k + h∨), dim g = 3, h∨ = 2)."""
    return Fraction(3 * k, k + 2)


def wzw_h(k: int, level: int) -> Fraction:
    """Weight of the spin-l/2 primary of su(2)_k (l = ``level``)."""
    return Fraction(level * (level + 2), 4 * (k + 2))


def _minimal_theories() -> Iterator[tuple[int, ...]]:
    for q in count(3):
        for p in range(2, q):
            if math.gcd(p, q) == 1:
                yield (p, q)


def _wzw_theories() -> Iterator[tuple[int, ...]]:
    for k in count(1):
        yield (k,)


def theories(family: str, start: int, n: int) -> list[tuple[int, ...]]:
    """Labels of the theories ``start .. start + n - 1`` of a family, smallest first."""
    _check_family(family)
    if start < 0 or n < 1:
        raise ValueError(f"need start >= 0 and n >= 1 theories, got start={start}, n={n}")
    source = _minimal_theories() if family == "minimal" else _wzw_theories()
    return [
        labels for index, labels in zip(range(start + n), source, strict=False) if index >= start
    ]


def primaries(family: str, theory: tuple[int, ...]) -> list[tuple[tuple[int, ...], Fraction]]:
    """(primary labels, h) of one theory, sorted by h, then by labels."""
    _check_family(family)
    if family == "minimal":
        p, q = theory
        rows = [((r, s), minimal_h(p, q, r, s)) for r in range(1, q) for s in range(1, p)]
    else:
        (k,) = theory
        rows = [((level,), wzw_h(k, level)) for level in range(k + 1)]
    return sorted(rows, key=lambda row: (row[1], row[0]))


CENTRAL_CHARGE: dict[str, Callable[..., Fraction]] = {"minimal": minimal_c, "wzw": wzw_c}


def table(
    family: str, quantity: str, theory_list: list[tuple[int, ...]], primary_fraction: float = 1.0
) -> tuple[list[tuple[int, ...]], list[Fraction]]:
    """Rows (integer inputs, exact target) for the given theories.

    ``quantity="c"``: one row per theory, inputs = theory labels. ``quantity="h"``: inputs =
    theory labels + primary labels, the lowest ``ceil(primary_fraction · N)`` (at least one) of
    each theory's N primaries.
    """
    _check_family(family)
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}; choose one of {QUANTITIES}")
    if not 0.0 < primary_fraction <= 1.0:
        raise ValueError(f"primary_fraction must be in (0, 1], got {primary_fraction}")
    inputs: list[tuple[int, ...]] = []
    values: list[Fraction] = []
    if quantity in QUANTITY_LABELS and family != "minimal":
        raise ValueError(f"quantity {quantity!r} is defined for the minimal models only")
    for theory in theory_list:
        if quantity == "h21_of_c":
            c = minimal_c(*theory)
            inputs.append((c.numerator, c.denominator))
            values.append(minimal_h21(*theory))
            continue
        if quantity == "c":
            inputs.append(theory)
            values.append(CENTRAL_CHARGE[family](*theory))
            continue
        spectrum = primaries(family, theory)
        kept = max(1, math.ceil(primary_fraction * len(spectrum) - 1e-9))
        for labels, h in spectrum[:kept]:
            inputs.append(theory + labels)
            values.append(h)
    return inputs, values


def input_names(family: str, quantity: str) -> tuple[str, ...]:
    """Names of the input columns of a (family, quantity) table."""
    _check_family(family)
    if quantity in QUANTITY_LABELS:
        return QUANTITY_LABELS[quantity]
    return THEORY_LABELS[family] + (PRIMARY_LABELS[family] if quantity == "h" else ())


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown CFT family {family!r}; choose one of {FAMILIES}")
