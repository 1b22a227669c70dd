"""Conventional KS inverters of the task, run on the test split like a trained model.

Each ``predict(inputs)`` reads the test split's inputs ``x`` (nx,), ``density`` and ``v_ext``
(n, nx) and ``eps`` (n,), the KS eigenvalue -I given with the density to fix the gauge (the
split's references, ``v_xc`` among them, are hidden from it), and returns ``v_xc`` (n, nx) in
the task's gauge with the target's tail treatment (``inversion``), plus per-system
diagnostics: ``converged`` and ``predicted`` (bool), ``seconds`` and ``cpu_seconds`` (wall and
CPU time of the inversion), ``iterations`` and ``density_l1`` (∫|n_KS[v_s] - n| dx of the
returned potential, electrons).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from baselines.ks_inversion import idea
from baselines.ks_inversion.inversion import invert, to_task_gauge
from baselines.ks_inversion.ks_solve import ks_density
from baselines.ks_inversion.systems import Physics, grid_spacing, hartree_potential


def _inputs(split: Mapping[str, np.ndarray], physics: Physics) -> tuple[np.ndarray, ...]:
    """The split's grid, densities, external potentials and KS eigenvalues (inputs), checked.

    The grid is the split's own (its number of points may differ from ``physics.nx``, e.g. a
    finer test grid); it must span ``physics.box``.
    """
    x = np.asarray(split["x"], dtype=float)
    density = np.atleast_2d(np.asarray(split["density"], dtype=float))
    v_ext = np.atleast_2d(np.asarray(split["v_ext"], dtype=float))
    eps = np.atleast_1d(np.asarray(split["eps"], dtype=float))
    grid_spacing(x)
    if not np.allclose([x[0], x[-1]], physics.box, rtol=0.0, atol=1e-9):
        raise ValueError(
            f"the split's grid spans [{x[0]:g}, {x[-1]:g}], the baseline's physics.box is "
            f"{list(physics.box)}; pass physics=${{task.physics}}"
        )
    if density.shape != v_ext.shape or density.shape[1] != x.size or eps.shape != density.shape[:1]:
        raise ValueError(
            "split density and v_ext must have shape (n_systems, nx) and eps (n_systems,)"
        )
    return x, density, v_ext, eps


class AnalyticInversion:
    """Exact two-electron singlet inversion φ = sqrt(n/2), v_s = ε + φ''/(2φ) (``inversion``).

    The physical limit of any inverter for this task: exact on the grid, about a millisecond
    per system (``seconds`` times the inversion only, not the KS check behind ``density_l1``).
    """

    name = "ks_analytic"

    def __init__(self, physics: Mapping[str, Any]) -> None:
        self.physics = Physics.from_mapping(physics)

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        x, density, v_ext, eps = _inputs(split, self.physics)
        p = self.physics
        count = len(density)
        v_xc, l1 = np.empty_like(density), np.empty(count)
        seconds, cpu_seconds = np.empty(count), np.empty(count)
        for i, (n, v) in enumerate(zip(density, v_ext, strict=True)):
            start, cpu_start = time.perf_counter(), time.process_time()
            ks = invert(x, n, v, eps[i], p.interaction_softening, p.stencil, p.density_floor)
            seconds[i], cpu_seconds[i] = (
                time.perf_counter() - start,
                time.process_time() - cpu_start,
            )
            v_xc[i] = ks["v_xc"]
            l1[i] = np.abs(ks_density(x, ks["v_s"], p.stencil) - n).sum() * grid_spacing(x)
        done = np.ones(count, dtype=bool)
        return {
            "v_xc": v_xc,
            "converged": done,
            "predicted": done,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "iterations": np.zeros(count, dtype=int),
            "density_l1": l1,
        }


class IDEAReverse:
    """iDEA's iterative reverse engineering, bounded in time, on the first systems of the split.

    Args:
        physics: the task's physics settings (``systems.Physics``).
        max_systems: invert only the first ``max_systems`` systems (None: all); the others
            get NaN potentials and ``predicted = False``.
        tol: iDEA's threshold on ∫|n - n_target| dx (electrons).
        mu: iDEA's step size μ (hartree).
        max_cpu_seconds: CPU-time budget per system; a run stopped by it keeps the potential
            reached, with ``converged = False``.
    """

    name = "ks_idea"

    def __init__(
        self,
        physics: Mapping[str, Any],
        max_systems: int | None,
        tol: float,
        mu: float,
        max_cpu_seconds: float,
    ) -> None:
        self.physics = Physics.from_mapping(physics)
        if max_systems is not None and max_systems < 1:
            raise ValueError("max_systems must be a positive number of systems or null (all)")
        self.max_systems, self.tol, self.mu = max_systems, float(tol), float(mu)
        self.max_cpu_seconds = float(max_cpu_seconds)

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        x, density, v_ext, eps = _inputs(split, self.physics)
        p = self.physics
        count = len(density)
        v_xc = np.full_like(density, np.nan)
        seconds, cpu_seconds, l1 = (np.full(count, np.nan) for _ in range(3))
        iterations = np.zeros(count, dtype=int)
        converged, predicted = np.zeros(count, dtype=bool), np.zeros(count, dtype=bool)
        for i in range(min(count, self.max_systems or count)):
            n = density[i]
            run = idea.reverse(
                x, v_ext[i], n, p.interaction_softening, p.stencil,
                tol=self.tol, mu=self.mu, max_cpu_seconds=self.max_cpu_seconds,
            )  # fmt: skip
            raw = run.v_s - v_ext[i] - hartree_potential(x, n, p.interaction_softening)
            v_xc[i] = to_task_gauge(x, n, v_ext[i], raw, eps[i], p)
            seconds[i], cpu_seconds[i], iterations[i] = run.seconds, run.cpu_seconds, run.iterations
            l1[i], converged[i], predicted[i] = run.density_l1, run.converged, True
        return {
            "v_xc": v_xc,
            "converged": converged,
            "predicted": predicted,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "iterations": iterations,
            "density_l1": l1,
        }
