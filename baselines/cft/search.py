"""One interface for every engine: fit a table, get a Pareto front, choose from it, predict.

An *engine* maps a training table to candidate expressions (:class:`Candidate`). The
:class:`SymbolicSearch` baseline runs an engine on the training rows of the split's inputs
(its "training"), optionally with the seed's *integer columns* (constant columns 1..N the
engine may use as integers), turns every candidate into an expression of the physical inputs,
and chooses one with :func:`choose` (optionally after :func:`polish` re-fits each candidate's
constants in float64 on every training row: engines such as Operon fit them in float32 with a
few iterations, which leaves a correct structure with constants off in the 4th digit):

1. the simplest candidate whose rationalised form reproduces every training target exactly;
2. else the simplest with training NMSE = MSE / mean(y²) ≤ ``nmse_tolerance``;
3. else the most accurate one.

The rule that decided is reported (``selection_rule``); the ground-truth formula and the
held-out targets are never used (they are references of the split, hidden from predictors).
Predictions hold the chosen expression, its values on the training and held-out rows and the
whole front, so the task's evaluator re-derives exactness itself.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import sympy
from scipy.optimize import least_squares

from baselines.cft import symbolic

log = logging.getLogger(__name__)

INTEGER_COLUMN_PREFIX = "int"


@dataclass(frozen=True)
class Candidate:
    """An expression over the engine's column names, the engine's own complexity and, where
    the engine reports it, its NMSE = MSE / mean(y²) on the rows it searched."""

    expression: str
    complexity: int
    training_nmse: float = math.nan


Accept = Callable[[Sequence["Candidate"]], bool]
"""A caller's test of a front: True stops a staged search there."""


class Engine(Protocol):
    """A symbolic-regression engine: table → candidate expressions (its Pareto front).

    An engine that searches in stages may stop at the first front for which ``accept`` (when
    given) returns True; others ignore it.
    """

    def search(
        self,
        inputs: np.ndarray,
        target: np.ndarray,
        names: Sequence[str],
        seed: int,
        accept: Accept | None = None,
    ) -> list[Candidate]: ...


@dataclass
class Scored:
    """A candidate as an expression of the physical inputs, with its training scores."""

    expr: sympy.Expr
    rational: sympy.Expr | None
    complexity: int  # nodes of the sympy tree (one measure for every engine)
    engine_complexity: int
    mse: float
    exact_on_train: bool


def integer_column_names(n: int, names: Sequence[str]) -> list[str]:
    """Names ``int1..intN`` of the integer columns; an error if they clash with an input."""
    extra = [f"{INTEGER_COLUMN_PREFIX}{i}" for i in range(1, n + 1)]
    clash = sorted(set(extra) & set(names))
    if clash:
        raise ValueError(f"input columns {clash} clash with the integer columns: rename them")
    return extra


def with_integer_columns(inputs: np.ndarray, n: int) -> np.ndarray:
    """``inputs`` (float) with constant columns 1, 2, ..., n appended."""
    constants = np.broadcast_to(np.arange(1, n + 1, dtype=float), (len(inputs), n))
    return np.hstack([np.asarray(inputs, float), constants])


def evaluate_float(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], inputs: np.ndarray
) -> np.ndarray:
    """Float64 values of ``expr`` at the rows of ``inputs`` (NaN where undefined)."""
    function = sympy.lambdify(list(symbols), expr, modules="numpy")
    with np.errstate(all="ignore"):
        values = function(*np.asarray(inputs, float).T)
    return np.broadcast_to(np.asarray(values, float), (len(inputs),)).copy()


def _mse(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], x: np.ndarray, y: np.ndarray) -> float:
    values = evaluate_float(expr, symbols, x)
    return float(np.mean((values - y) ** 2)) if np.all(np.isfinite(values)) else np.inf


def polish(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], x: np.ndarray, y: np.ndarray
) -> sympy.Expr:
    """``expr`` with its float constants re-fitted by least squares (float64, all rows), or
    unchanged when that does not lower the MSE. Integers and the structure are kept.

    The fit is scipy's trust-region reflective method, not MINPACK's Levenberg-Marquardt:
    on ill-conditioned candidates (flat directions in the constants) scipy 1.17's ``lm``
    returned different constants from identical inputs from one call to the next, depending
    on the process's memory, so a search was not reproducible; ``trf`` reaches the same MSE
    and repeats exactly."""
    constants = sorted(expr.atoms(sympy.Float), key=str)
    if not constants:
        return expr
    slots = sympy.symbols(f"c0:{len(constants)}")
    template = expr.xreplace(dict(zip(constants, slots, strict=True)))
    function = sympy.lambdify([*symbols, *slots], template, modules="numpy")
    columns = list(np.asarray(x, float).T)

    def residual(c: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(function(*columns, *c), float), y.shape)
        return np.where(np.isfinite(values), values - y, 1e10)

    start = np.array([float(c) for c in constants])
    if len(y) < len(constants):
        return expr
    fit = least_squares(residual, start, method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    polished = template.xreplace(
        {slot: sympy.Float(float(value), 17) for slot, value in zip(slots, fit.x, strict=True)}
    )
    return polished if _mse(polished, symbols, x, y) < _mse(expr, symbols, x, y) else expr


def score_candidate(
    candidate: Candidate,
    names: Sequence[str],
    n_integer: int,
    split: Mapping[str, np.ndarray],
    polish_constants: bool = False,
) -> Scored:
    """Parse a candidate, substitute the integer columns, optionally :func:`polish` it,
    rationalise it and score it on the training rows."""
    symbols = [sympy.Symbol(name) for name in names]
    extra = integer_column_names(n_integer, names)
    expr = symbolic.parse(candidate.expression, [*names, *extra])
    expr = expr.xreplace({sympy.Symbol(name): sympy.Integer(i + 1) for i, name in enumerate(extra)})
    target = split["train_num"] / split["train_den"]
    if polish_constants:
        expr = polish(expr, symbols, split["train_x"], target)
    mse = _mse(expr, symbols, split["train_x"], target)
    rational = symbolic.rationalize(
        expr, symbols, int(split["max_denominator"]), float(split["constant_rtol"])
    )
    exact = rational is not None and symbolic.exact_on_table(
        rational, symbols, split["train_x"], split["train_num"], split["train_den"]
    )
    complexity = symbolic.complexity(expr)
    return Scored(expr, rational, complexity, candidate.complexity, mse, exact)


def score_front(
    candidates: Sequence[Candidate],
    names: Sequence[str],
    n_integer: int,
    split: Mapping[str, np.ndarray],
    polish_constants: bool = False,
) -> list[Scored]:
    """:func:`score_candidate` of every candidate; undefined ones (e.g. 1/0) are dropped.

    sympy's cache is cleared first: its entries from earlier work in the same process can hand
    back equal but differently built expressions, which moves the float64 polish of an
    ill-conditioned candidate to a different optimum. Cleared, a front scores the same in any
    process."""
    sympy.core.cache.clear_cache()
    front = []
    for candidate in candidates:
        try:
            front.append(score_candidate(candidate, names, n_integer, split, polish_constants))
        except symbolic.ExpressionError as error:
            log.warning("dropped a candidate: %s", error)
    return front


def has_nested_square(expr: sympy.Expr) -> bool:
    """Whether ``expr`` contains a power (·)^(4n): square(square(·)) once parsed (sympy merges
    the two squares)."""
    return any(
        isinstance(node, sympy.Pow) and node.exp.is_Integer and abs(int(node.exp)) % 4 == 0
        for node in sympy.preorder_traversal(expr)
    )


def choose(front: Sequence[Scored], target: np.ndarray, nmse_tolerance: float) -> tuple[int, str]:
    """Index of the chosen candidate and the rule that chose it (module docstring)."""
    if not front:
        raise ValueError("the engine returned no candidate expression")
    order = sorted(range(len(front)), key=lambda i: (front[i].complexity, front[i].mse))
    exact = [i for i in order if front[i].exact_on_train]
    if exact:
        return exact[0], "simplest exact on training rows"
    scale = float(np.mean(target**2)) or 1.0
    close = [i for i in order if front[i].mse / scale <= nmse_tolerance]
    if close:
        return close[0], f"simplest with training NMSE <= {nmse_tolerance:g}"
    return min(order, key=lambda i: front[i].mse), "lowest training MSE (none within tolerance)"


def front_predictions(
    front: Sequence[Scored],
    chosen: int,
    rule: str,
    names: Sequence[str],
    split: Mapping[str, np.ndarray],
    seconds: float,
    cpu_seconds: float,
) -> dict[str, np.ndarray]:
    """The prediction arrays shared by every engine and by the EQL network (``seconds``: wall
    time of the search or training; ``cpu_seconds``: its CPU time over all threads)."""
    symbols = [sympy.Symbol(name) for name in names]
    best = front[chosen]
    shown = best.rational if best.rational is not None else best.expr
    return {
        "expression": np.array(str(best.expr)),
        "expression_rational": np.array(str(best.rational) if best.rational is not None else ""),
        "latex": np.array(sympy.latex(shown)),
        "selection_rule": np.array(rule),
        "selected": np.array(chosen),
        "train_pred": evaluate_float(best.expr, symbols, split["train_x"]),
        "heldout_pred": evaluate_float(best.expr, symbols, split["heldout_x"]),
        "front_expressions": np.array([str(s.expr) for s in front]),
        "front_complexity": np.array([s.complexity for s in front]),
        "front_engine_complexity": np.array([s.engine_complexity for s in front]),
        "front_mse": np.array([s.mse for s in front]),
        "front_exact_train": np.array([s.exact_on_train for s in front], dtype=int),
        "search_seconds": np.array(float(seconds)),
        "search_cpu_seconds": np.array(float(cpu_seconds)),
    }


class SymbolicSearch:
    """Baseline: run an engine on the split's training table, choose, predict the held-out rows.

    Args:
        engine: an :class:`Engine` (e.g. :class:`baselines.cft.operon.OperonEngine`).
        seed: seed of the search.
        nmse_tolerance: training NMSE under which a candidate counts as fitting (rule 2).
        forbid_nested_square: drop candidates containing square(square(·)) from the front
            (engines that cannot constrain the search itself).
        polish_constants: re-fit every candidate's constants in float64 (:func:`polish`).
    """

    def __init__(
        self,
        engine: Engine,
        seed: int,
        nmse_tolerance: float,
        forbid_nested_square: bool,
        polish_constants: bool,
    ) -> None:
        self.engine, self.seed = engine, int(seed)
        self.polish_constants = bool(polish_constants)
        self.nmse_tolerance = float(nmse_tolerance)
        self.forbid_nested_square = bool(forbid_nested_square)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The chosen formula and its values, from the split's inputs (the training table)."""
        names = [str(name) for name in inputs["input_names"]]
        n_integer = int(inputs["integer_columns"])
        columns = with_integer_columns(inputs["train_x"], n_integer)
        target = inputs["train_num"] / inputs["train_den"]

        def scored(candidates: Sequence[Candidate]) -> list[Scored]:
            front = score_front(candidates, names, n_integer, inputs, self.polish_constants)
            if self.forbid_nested_square:
                front = [s for s in front if not has_nested_square(s.expr)] or front
            return front

        def holds_exact(candidates: Sequence[Candidate]) -> bool:
            """Whether a front holds a formula exact on the training rows (scored only once
            the engine's own NMSE says one may)."""
            if not any(c.training_nmse <= self.nmse_tolerance for c in candidates):
                return False
            return any(s.exact_on_train for s in scored(candidates))

        start, cpu_start = time.perf_counter(), time.process_time()
        candidates = self.engine.search(
            columns,
            target,
            [*names, *integer_column_names(n_integer, names)],
            self.seed,
            accept=holds_exact,
        )
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        front = scored(candidates)
        chosen, rule = choose(front, target, self.nmse_tolerance)
        log.info("search took %.1f s; chose %s (%s)", seconds, front[chosen].expr, rule)
        return front_predictions(front, chosen, rule, names, inputs, seconds, cpu_seconds)
