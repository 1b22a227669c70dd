"""Rational-function engine: P(x) - y Q(x) = 0 on every row, solved as a null space.

For integer inputs and a target that is a rational function of them (every formula of this
task), y = P(x)/Q(x) with polynomials of total degrees (m, n) is linear in the coefficients:
the table gives a homogeneous system [M_m(x), -y M_n(x)] c = 0 over the monomials M. Degree
pairs are tried by increasing m + n (then n); a pair is a candidate when the smallest singular
value of the column-normalised system is below ``rcond`` × the largest and the null space is
one-dimensional (a unique P/Q up to scale). Its coefficients are floats; the scoring rationalises
them like any engine's constants. A conventional reference for the genetic searches: complete
for rational formulas up to ``max_degree``, no search involved; constant input columns (the
integer columns) are left out, being redundant with the constant monomial. When no pair fits
(a formula that is not rational, or of higher degree), the closest pair (smallest relative
singular value) is returned as the only candidate, a least-squares fit that scores as inexact.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations_with_replacement

import numpy as np

from baselines.cft.search import Accept, Candidate


def monomials(n_vars: int, degree: int) -> list[tuple[int, ...]]:
    """Exponent tuples of every monomial of total degree ≤ ``degree`` in ``n_vars`` variables."""
    result = []
    for total in range(degree + 1):
        for combo in combinations_with_replacement(range(n_vars), total):
            result.append(tuple(combo.count(i) for i in range(n_vars)))
    return result


def _design(x: np.ndarray, exponents: list[tuple[int, ...]]) -> np.ndarray:
    return np.stack([np.prod(x ** np.array(e, float), axis=1) for e in exponents], axis=1)


def _polynomial(coefficients: np.ndarray, exponents, names: Sequence[str]) -> str:
    terms = []
    for c, e in zip(coefficients, exponents, strict=True):
        factors = [repr(float(c))] + [f"{n}**{k}" for n, k in zip(names, e, strict=True) if k]
        terms.append("*".join(factors))
    return " + ".join(f"({t})" for t in terms)


class RationalEngine:
    """Null-space fit of P/Q up to total degree ``max_degree`` each.

    Args:
        max_degree: largest total degree of numerator and denominator.
        max_rows: rows drawn at random (seeded) when the table is larger (0 = all).
        rcond: relative singular-value threshold of a solution.
    """

    def __init__(self, max_degree: int, max_rows: int, rcond: float) -> None:
        self.max_degree, self.max_rows, self.rcond = int(max_degree), int(max_rows), float(rcond)

    def search(
        self,
        inputs: np.ndarray,
        target: np.ndarray,
        names: Sequence[str],
        seed: int,
        accept: Accept | None = None,
    ) -> list[Candidate]:
        inputs, target = np.asarray(inputs, float), np.asarray(target, float)
        if 0 < self.max_rows < len(target):
            rows = np.random.default_rng(seed).choice(len(target), self.max_rows, replace=False)
            inputs, target = inputs[rows], target[rows]
        varying = [j for j in range(inputs.shape[1]) if np.ptp(inputs[:, j]) > 0]
        x, used = inputs[:, varying], [names[j] for j in varying]
        closest: tuple[float, tuple | None] = (np.inf, None)  # (relative σ_min, fit)
        pairs = [(m, n) for m in range(self.max_degree + 1) for n in range(self.max_degree + 1)]
        for m, n in sorted(pairs, key=lambda pair: (sum(pair), pair[1])):
            top, bottom = monomials(len(used), m), monomials(len(used), n)
            system = np.hstack([_design(x, top), -target[:, None] * _design(x, bottom)])
            if system.shape[0] < system.shape[1]:
                continue
            norms = np.linalg.norm(system, axis=0)
            norms[norms == 0] = 1.0
            _, singular, vt = np.linalg.svd(system / norms, full_matrices=False)
            fits = singular[-1] <= self.rcond * singular[0]
            unique = len(singular) < 2 or singular[-2] > self.rcond * singular[0]
            if fits and unique:  # the lowest degrees that fit: higher ones add common factors
                return [_candidate(vt[-1] / norms, top, bottom, used)]
            if singular[-1] / singular[0] < closest[0]:
                closest = (singular[-1] / singular[0], (vt[-1] / norms, top, bottom))
        return [] if closest[1] is None else [_candidate(*closest[1], used)]


def _candidate(c: np.ndarray, top: list, bottom: list, names: Sequence[str]) -> Candidate:
    """P/Q from the stacked coefficients ``c`` of both polynomials."""
    numerator = _polynomial(c[: len(top)], top, names)
    text = f"({numerator}) / ({_polynomial(c[len(top) :], bottom, names)})"
    return Candidate(text, len(top) + len(bottom))
