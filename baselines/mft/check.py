"""Each registered formula against simulation: z-scores, relative deviations and a verdict.

For every formula of :data:`baselines.mft.formulas.REGISTRY` and every simulated system it
claims to describe, the estimate x_i (cumulant κ_n(t_i), or ⟨Q(t_i)Q(t_j)⟩_c for t_i ≤ t_j)
with standard error e_i is compared with the formula f_i at times t ≥ ``t_min``:
z_i = (x_i - f_i)/e_i and r_i = (x_i - f_i)/|f_i|. Verdicts:

- ``holds``: max |z| ≤ ``z_max`` (agreement within the statistical errors);
- ``holds to <rel_tol``: significant deviations, all below ``rel_tol`` in relative terms
  (finite-time lattice corrections to a continuum formula);
- ``holds as t→∞``: larger deviations whose relative size, on the diagonal, falls at least as
  fast as t^{-1/2} between the first and last checked times (an O(1) correction to a
  formula growing like √t), with a consistent sign;
- ``fails``: otherwise.

``r_first``/``r_last`` are the relative deviations at the first and last checked time (the
diagonal for correlations). Formula values below 10⁻⁶ × the error bar count as zero (no
relative deviation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from baselines.mft.formulas import REGISTRY, Formula, System


def _points(formula: Formula, system: System, times: np.ndarray, stats: dict, t_min: float):
    """(estimates, errors, formula values, diagonal mask) on the checked times."""
    keep = times >= t_min
    t = times[keep]
    if formula.observable == "cumulant":
        row = formula.order - 1
        est = stats["cumulants"][row][keep]
        err = stats["cumulants_err"][row][keep]
        return est, err, np.asarray(formula.value(system, t), float), np.ones(t.size, bool)
    i, j = np.triu_indices(t.size)
    corr = stats["corr"][np.ix_(keep, keep)]
    corr_err = stats["corr_err"][np.ix_(keep, keep)]
    values = np.asarray(formula.value(system, t[i], t[j]), float)
    return corr[i, j], corr_err[i, j], values, i == j


def check_formula(
    formula: Formula,
    system: System,
    times: np.ndarray,
    stats: dict,
    t_min: float,
    z_max: float,
    rel_tol: float,
) -> dict:
    """One report row: formula, points, max |z|, χ²/point, relative deviations, verdict."""
    est, err, values, diagonal = _points(formula, system, times, stats, t_min)
    if est.size == 0:
        raise ValueError(f"no simulated times at t >= t_min={t_min}; lower the check's t_min")
    z = (est - values) / err
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(np.abs(values) > 1e-6 * err, (est - values) / np.abs(values), np.nan)
    max_rel = float(np.nanmax(np.abs(rel))) if np.isfinite(rel).any() else float("nan")
    max_z = float(np.max(np.abs(z)))
    rel_diag = rel[diagonal]
    t_checked = times[times >= t_min]
    decay = np.sqrt(t_checked[0] / t_checked[-1])
    if max_z <= z_max:
        verdict = "holds"
    elif max_rel <= rel_tol:
        verdict = f"holds to <{rel_tol:.0%}"
    elif (
        t_checked.size > 1
        and rel_diag[0] * rel_diag[-1] > 0
        and abs(rel_diag[-1]) <= 1.5 * decay * abs(rel_diag[0])
    ):
        verdict = "holds as t→∞"
    else:
        verdict = "fails"
    return {
        "formula": formula.key,
        "source": formula.source,
        "statement": formula.statement,
        "observable": "corr" if formula.observable == "corr" else f"κ_{formula.order}",
        "points": int(est.size),
        "max_abs_z": max_z,
        "chi2_per_point": float(np.mean(z**2)),
        "max_abs_rel": max_rel,
        "r_first": float(rel_diag[0]),
        "r_last": float(rel_diag[-1]),
        "verdict": verdict,
    }


def check_all(
    systems: Sequence[tuple[str, System]],
    times: np.ndarray,
    stats: Sequence[dict],
    t_min: float,
    z_max: float,
    rel_tol: float,
    registry: Sequence[Formula] = REGISTRY,
) -> list[dict]:
    """Rows for every (formula, named system) pair where the formula applies."""
    rows = []
    for formula in registry:
        for (name, system), system_stats in zip(systems, stats, strict=True):
            if formula.applies(system):
                row = check_formula(formula, system, times, system_stats, t_min, z_max, rel_tol)
                rows.append({"system": name, **row})
    return rows
