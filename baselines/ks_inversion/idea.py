"""Adapters to iDEA (PyPI ``iDEA-latest``, import ``iDEA``): the conventional reference code.

iDEA's conventions match this package's (``systems``): grid with the box edges, stencil
counted in points, interaction 1/(|x - x'| + b), spin "ud" for the singlet. Its
reverse engineering (``iDEA.reverse_engineering.reverse``) iterates

    v_s ← v_s + μ (n[v_s]^p - n_target^p),   p = 0.1,

solving the non-interacting (KS) problem each step, until ∫|n[v_s] - n_target| dx < tol, with
no iteration cap. :func:`reverse` runs that very function and bounds it: the solver it is
handed stops the loop once a budget of CPU time (so that a busy machine does not change which
runs converge) or of iterations is spent, and the potential reached so far is returned,
flagged as not converged. iDEA prints progress; the adapters silence it.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from baselines.ks_inversion.ks_solve import ks_density
from baselines.ks_inversion.systems import grid_spacing, interaction_matrix


def _idea() -> Any:
    try:
        import iDEA
    except ImportError as error:  # optional dependency of the baselines
        raise ImportError(
            "the iDEA baseline needs the iDEA package: pip install iDEA-latest==1.1.0"
        ) from error
    return iDEA


def system(x: np.ndarray, v_ext: np.ndarray, interaction_softening: float, stencil: int) -> Any:
    """``iDEA.system.System`` of the two-electron singlet ("ud") on grid ``x``."""
    grid_spacing(x)  # iDEA assumes a uniform grid without checking it
    return _idea().system.System(
        np.asarray(x, dtype=float),
        np.asarray(v_ext, dtype=float).copy(),
        interaction_matrix(x, interaction_softening),
        "ud",
        stencil=stencil,
    )


def ground_state(
    x: np.ndarray, v_ext: np.ndarray, interaction_softening: float, stencil: int
) -> tuple[float, np.ndarray]:
    """Energy E0 (hartree) and density (bohr^-1) from ``iDEA.methods.interacting.solve``."""
    idea = _idea()
    s = system(x, v_ext, interaction_softening, stencil)
    with contextlib.redirect_stdout(io.StringIO()):
        state = idea.methods.interacting.solve(s, k=0)
    return float(state.energy), idea.observables.density(s, state=state)


@dataclass(frozen=True)
class ReverseResult:
    """Outcome of one bounded iDEA reverse-engineering run.

    Attributes:
        v_s: KS potential reached (hartree), in iDEA's arbitrary gauge.
        converged: whether iDEA's own criterion ∫|n - n_target| dx < tol was met.
        seconds: wall time of the run.
        cpu_seconds: CPU time of the run (all threads of the process).
        iterations: KS solves performed.
        density_l1: ∫|n_KS[v_s] - n_target| dx of the returned potential (electrons; NaN if
            v_s is not finite).
    """

    v_s: np.ndarray
    converged: bool
    seconds: float
    cpu_seconds: float
    iterations: int
    density_l1: float


class _BudgetSpent(Exception):
    """Raised inside iDEA's loop when the time or iteration budget is used up."""


class _BudgetedSolver:
    """Stand-in for ``iDEA.methods.non_interacting`` that stops ``reverse`` at a budget.

    ``reverse`` calls ``method.solve(s_fictitious, ...)`` once per iteration and updates
    ``s_fictitious.v_ext`` in place, so the last system seen holds the latest potential.
    """

    def __init__(self, max_cpu_seconds: float, max_iterations: int | None) -> None:
        self.deadline = time.process_time() + max_cpu_seconds
        self.max_iterations = max_iterations
        self.iterations = 0
        self.system: Any = None

    def solve(self, s: Any, *args: Any, **kwargs: Any) -> Any:
        spent = self.max_iterations is not None and self.iterations >= self.max_iterations
        if spent or time.process_time() > self.deadline:
            raise _BudgetSpent
        self.system = s
        self.iterations += 1
        return _idea().methods.non_interacting.solve(s, *args, **kwargs)


def reverse(
    x: np.ndarray,
    v_ext: np.ndarray,
    density: np.ndarray,
    interaction_softening: float,
    stencil: int,
    *,
    tol: float,
    mu: float,
    max_cpu_seconds: float,
    max_iterations: int | None = None,
) -> ReverseResult:
    """Reverse-engineer the KS potential of ``density`` with iDEA, within a budget.

    Args:
        x, v_ext: grid (bohr) and external potential (hartree); v_ext is iDEA's start guess.
        density: target density (bohr^-1).
        interaction_softening, stencil: as in ``systems.Physics``.
        tol: iDEA's convergence threshold on ∫|n - n_target| dx (electrons).
        mu: iDEA's step size μ (hartree).
        max_cpu_seconds: CPU-time budget of the run.
        max_iterations: optional cap on KS solves.
    """
    if max_cpu_seconds <= 0:
        raise ValueError("max_cpu_seconds must be positive")
    idea = _idea()
    s = system(x, v_ext, interaction_softening, stencil)
    solver = _BudgetedSolver(max_cpu_seconds, max_iterations)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            fictitious = idea.reverse_engineering.reverse(
                s, np.asarray(density, dtype=float), solver, mu=mu, tol=tol, silent=True
            )
        v_s, converged = fictitious.v_ext, True
    except _BudgetSpent:
        v_s = solver.system.v_ext if solver.system is not None else s.v_ext
        converged = False
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    error = np.nan  # a run that blew up to non-finite values has no density
    if np.all(np.isfinite(v_s)):
        error = np.abs(ks_density(x, v_s, stencil) - density).sum() * grid_spacing(x)
    return ReverseResult(
        np.array(v_s, dtype=float), converged, seconds, cpu_seconds, solver.iterations, error
    )
