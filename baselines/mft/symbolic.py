"""Symbolic regression of the equilibrium two-time correlation (the ``cft`` engine interface).

For each case the simulated C(t1, t2) on the pairs t1 ≤ t2 (t1 ≥ ``t_min``) is handed to an
engine of :mod:`baselines.cft.search` with the input columns named in ``inputs`` (looked up in
``INPUT_COLUMNS``: ``t1``, ``t2``, or the primitives the MFT forms are built from, ``sqrt_t1``,
``sqrt_t2``, ``sqrt_dt`` = √(t2 - t1), ``sqrt_sum`` = √(t1 + t2)); the expressions found are
mapped back to t1, t2 before anything else sees them. Its Pareto front is
scored on the table and one expression is chosen with :func:`baselines.cft.search.choose`:
the simplest whose NMSE is within ``noise_factor`` × the noise floor mean(err²)/mean(C²) of
the simulated errors (it fits as well as the errors allow), else the most accurate.

MFT predicts only the leading large-time behaviour C ∝ √t2, so recovery is judged on the
expression's scaling limit f_∞(t1, t2) = lim_{λ→∞} f(λt1, λt2)/√λ (a constant the search adds
for the lattice's finite-time correction vanishes there; an expression that does not grow like
√t has no such limit and is not recovered), which is also the predicted f(r) = f_∞(r, 1).
Without the amplitude, g = f_∞ / f_∞(1, 1) is compared with g_true = shape / shape(1, 1),
½[√t1 + √t2 - √(t2-t1)] (annealed) or (√(t1+t2) - √(t2-t1))/√2 (quenched),

- numerically, by the largest relative deviation on a grid reaching well outside the data
  (t2 from 1 to 10⁴, t1/t2 from 10⁻³ to 1), where a wrong structure cannot hide;
- symbolically: constants are pulled out of square roots (√(αt1 + βt2) = √|β| √(t2 + αt1/β)),
  those below ``rational_tol`` dropped, the rest rounded to simple closed forms
  (``sympy.nsimplify`` with √2 allowed), and identity tested with ``same_function``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import numpy as np
import sympy

from baselines.cft import symbolic
from baselines.cft.search import Engine, Scored, choose, evaluate_float
from baselines.mft.formulas import SHAPES
from baselines.mft.predictors import empty_predictions

log = logging.getLogger(__name__)

T1, T2 = sympy.symbols("t1 t2", positive=True)
INPUT_COLUMNS = {
    "t1": T1,
    "t2": T2,
    "sqrt_t1": sympy.sqrt(T1),
    "sqrt_t2": sympy.sqrt(T2),
    "sqrt_dt": sympy.sqrt(T2 - T1),
    "sqrt_sum": sympy.sqrt(T1 + T2),
}
TRUE_SHAPES = {
    "annealed": (sympy.sqrt(T1) + sympy.sqrt(T2) - sympy.sqrt(T2 - T1)) / 2,
    "quenched": (sympy.sqrt(T1 + T2) - sympy.sqrt(T2 - T1)) / sympy.sqrt(2),
}


def two_time_table(
    inputs: Mapping[str, np.ndarray], system: int, t_min: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (t1, t2) with t_min ≤ t1 ≤ t2, the simulated C(t1, t2) and its error."""
    t = np.asarray(inputs["t"], float)
    i, j = np.triu_indices(t.size)
    keep = t[i] >= t_min
    i, j = i[keep], j[keep]
    rows = np.stack([t[i], t[j]], axis=1)
    return rows, inputs["corr"][system][i, j], inputs["corr_err"][system][i, j]


def extrapolation_grid() -> np.ndarray:
    """(t1, t2) rows: t2 in [1, 10⁴], t1/t2 in [10⁻³, 1], log-spaced."""
    t2, ratio = np.meshgrid(np.logspace(0, 4, 25), np.logspace(-3, 0, 25))
    return np.stack([(ratio * t2).ravel(), t2.ravel()], axis=1)


def normalised(expr: sympy.Expr) -> sympy.Expr:
    """expr / expr(1, 1) (the amplitude σ/√(πD) removed)."""
    return expr / expr.subs({T1: 1, T2: 1})


def round_constants(expr: sympy.Expr, tol: float) -> sympy.Expr:
    """Constants out of square roots, those below ``tol`` dropped, the rest made simple."""

    def pull_out(root: sympy.Expr) -> sympy.Expr:
        coefficients = [abs(float(c)) for c in root.base.as_coefficients_dict().values()]
        scale = max(coefficients) if coefficients else 1.0
        return sympy.sqrt(scale) * sympy.sqrt(sympy.expand(root.base / scale))

    expr = expr.replace(lambda e: isinstance(e, sympy.Pow) and e.exp == sympy.S.Half, pull_out)
    expr = sympy.expand(expr)
    replacements = {
        c: 0 if abs(float(c)) < tol else sympy.nsimplify(c, [sympy.sqrt(2)], tolerance=tol)
        for c in expr.atoms(sympy.Float)
    }
    return sympy.simplify(expr.xreplace(replacements))


def scaling_limit(expr: sympy.Expr) -> sympy.Expr | None:
    """lim_{λ→∞} expr(λt1, λt2)/√λ, or None when it is zero, infinite or not found."""
    scale = sympy.Symbol("scale", positive=True)
    scaled = expr.xreplace({T1: scale * T1, T2: scale * T2}) / sympy.sqrt(scale)
    try:
        limit = sympy.limit(scaled, scale, sympy.oo)
    except (NotImplementedError, ValueError, TypeError):
        return None
    at_one = limit.subs({T1: 1, T2: 1})
    if limit.has(scale) or not at_one.is_finite or at_one.is_zero:
        return None
    return limit


def judge(expr: sympy.Expr, setting: str, rational_tol: float) -> tuple[float, bool]:
    """Largest relative deviation of the normalised scaling limit of ``expr`` from the true
    normalised shape on :func:`extrapolation_grid`, and whether it is symbolically identical
    (``inf``, False when ``expr`` has no √t scaling limit)."""
    return judge_limit(scaling_limit(expr), setting, rational_tol)


def judge_limit(limit: sympy.Expr | None, setting: str, rational_tol: float) -> tuple[float, bool]:
    """:func:`judge` of an expression whose :func:`scaling_limit` is ``limit``."""
    if limit is None:
        return np.inf, False
    grid = extrapolation_grid()
    g = evaluate_float(normalised(limit), (T1, T2), grid)
    truth = SHAPES[setting](grid[:, 0], grid[:, 1]) / SHAPES[setting](1.0, 1.0)
    deviation = float(np.max(np.abs(g / truth - 1))) if np.all(np.isfinite(g)) else np.inf
    rounded = round_constants(normalised(limit), rational_tol)
    return deviation, bool(symbolic.same_function(rounded, TRUE_SHAPES[setting]))


class SymbolicShape:
    """Baseline (c): an engine's expression for C(t1, t2) per case, judged against the MFT shape.

    Args:
        engine: a :class:`baselines.cft.search.Engine` (e.g. the Operon engine).
        seed: seed of the searches.
        t_min: earliest time in the table.
        noise_factor: a candidate fits when its NMSE ≤ noise_factor × the noise floor.
        rational_tol: tolerance of the constant rounding in the symbolic identity test.
        inputs: the engine's input columns, keys of ``INPUT_COLUMNS``.
    """

    name = "mft_symbolic"

    def __init__(
        self,
        engine: Engine,
        seed: int,
        t_min: float,
        noise_factor: float,
        rational_tol: float,
        inputs: Sequence[str] = ("t1", "t2"),
    ) -> None:
        unknown = [name for name in inputs if name not in INPUT_COLUMNS]
        if unknown or not inputs:
            raise ValueError(
                f"baseline.inputs {list(inputs)}: choose a non-empty list of {list(INPUT_COLUMNS)}"
            )
        self.engine, self.seed, self.t_min = engine, int(seed), float(t_min)
        self.noise_factor, self.rational_tol = float(noise_factor), float(rational_tol)
        self.inputs = tuple(inputs)

    def search_case(
        self, inputs: np.ndarray, target: np.ndarray, error: np.ndarray
    ) -> tuple[sympy.Expr, str]:
        """The chosen expression in t1, t2 for one table (rows (t1, t2), with standard errors),
        and the rule."""
        columns = np.stack(
            [evaluate_float(INPUT_COLUMNS[name], (T1, T2), inputs) for name in self.inputs], axis=1
        )
        candidates = self.engine.search(columns, target, list(self.inputs), self.seed)
        in_t = {sympy.Symbol(name): INPUT_COLUMNS[name] for name in self.inputs}
        front = []
        for candidate in candidates:
            expr = symbolic.parse(candidate.expression, self.inputs).xreplace(in_t)
            values = evaluate_float(expr, (T1, T2), inputs)
            mse = float(np.mean((values - target) ** 2)) if np.all(np.isfinite(values)) else np.inf
            front.append(
                Scored(
                    expr=expr,
                    rational=None,
                    complexity=symbolic.complexity(expr),
                    engine_complexity=candidate.complexity,
                    mse=mse,
                    exact_on_train=False,  # noisy simulated targets: never exact
                )
            )
        floor = float(np.mean(error**2) / np.mean(target**2))
        index, rule = choose(front, target, self.noise_factor * floor)
        return front[index].expr, rule

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = empty_predictions(inputs)
        n_case = len(inputs["case"])
        expressions, deviations, identical = (
            [""] * n_case,
            np.full(n_case, np.inf),
            np.zeros(n_case, int),
        )
        times = np.asarray(inputs["t"], float)
        low, high = np.minimum.outer(times, times), np.maximum.outer(times, times)
        for s in np.flatnonzero(inputs["system_role"] == "equilibrium"):
            c = int(inputs["system_case"][s])
            start = time.perf_counter()
            expr, rule = self.search_case(*two_time_table(inputs, s, self.t_min))
            limit = scaling_limit(expr)  # f(r) = f_∞(r, 1); none without √t scaling
            deviations[c], identical[c] = judge_limit(
                limit, str(inputs["case_setting"][c]), self.rational_tol
            )
            log.info("%s: %s (%s; %.1f s; max deviation of the shape %.3g, identical: %s)",
                     inputs["case"][c], expr, rule, time.perf_counter() - start, deviations[c],
                     bool(identical[c]))  # fmt: skip
            expressions[c] = str(expr)
            pairs = np.stack([low.ravel(), high.ravel()], axis=1)
            out["corr"][s] = evaluate_float(expr, (T1, T2), pairs).reshape(low.shape)
            if limit is not None:
                r = np.stack([inputs["r"], np.ones_like(inputs["r"])], axis=1)
                out["scaling"][c] = evaluate_float(limit, (T1, T2), r)
        out["expression"] = np.array(expressions)
        out["shape_max_rel_dev"] = deviations
        out["shape_identical"] = identical
        return out
