"""Conventional baselines of the ``mft`` task, predicting on the test split like a model.

Each maps the split's inputs (never its exact values; see :mod:`tasks.mft.spec`) to ``corr``
(systems × t × t), ``mean`` (systems × t), ``sigma``, ``D`` (cases) and ``scaling``
(cases × r), NaN where a method does not predict a quantity.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.mft.formulas import (
    diffusivity,
    mean_current_mft,
    scaling_function,
    sigma,
    two_time_mft,
)
from baselines.mft.solver import MFTSolver, make_grid, two_time_correlation

Arrays = dict[str, np.ndarray]


def empty_predictions(inputs: Mapping[str, np.ndarray]) -> Arrays:
    """NaN arrays of every prediction key, shaped for the split of ``inputs``."""
    n_sys, n_t, n_case = len(inputs["system"]), len(inputs["t"]), len(inputs["case"])
    return {
        "corr": np.full((n_sys, n_t, n_t), np.nan),
        "mean": np.full((n_sys, n_t), np.nan),
        "sigma": np.full(n_case, np.nan),
        "D": np.full(n_case, np.nan),
        "scaling": np.full((n_case, len(inputs["r"])), np.nan),
    }


class ExactFormulas:
    """The continuum formulas (49)/(48), the corrected (37) and σ(ρ), D(ρ) of each model,
    evaluated at the model, setting and densities of every case and system."""

    name = "mft_formula"

    def predict(self, inputs: Mapping[str, np.ndarray]) -> Arrays:
        out = empty_predictions(inputs)
        times = inputs["t"]
        t1, t2 = np.meshgrid(times, times, indexing="ij")
        for c, (model, setting, rho) in enumerate(
            zip(inputs["case_model"], inputs["case_setting"], inputs["case_rho"], strict=True)
        ):
            out["sigma"][c], out["D"][c] = sigma(model, rho), diffusivity(model, rho)
            out["scaling"][c] = scaling_function(setting, out["sigma"][c], out["D"][c], inputs["r"])
        for s, (model, setting, rho_a, rho_b) in enumerate(
            zip(inputs["model"], inputs["setting"], inputs["rho_a"], inputs["rho_b"], strict=True)
        ):
            d = diffusivity(model, 0.5 * (rho_a + rho_b))
            out["mean"][s] = mean_current_mft(rho_a, rho_b, d, times)
            if rho_a == rho_b:
                out["corr"][s] = two_time_mft(setting, sigma(model, rho_a), d, t1, t2)
        return out


class NumericalMFT:
    """The MFT optimal equations solved numerically (:mod:`baselines.mft.solver`).

    ``corr`` from pulses ±ε at every recording time, ``mean`` from λ = 0 (step systems),
    ``scaling`` from f(r) = C(rT, T)/√T with T the last time. σ and D are inputs, not
    predictions (NaN).

    Args:
        dx: cell width; ``half_length``: domain half-width in units of √(4 D T).
        dt_max, dt_min, growth: time mesh (largest step, first step at a pulse, growth).
        epsilon: pulse strength of the finite differences.
    """

    name = "mft_solver"

    def __init__(
        self,
        dx: float,
        half_length: float,
        dt_max: float,
        dt_min: float,
        growth: float,
        epsilon: float,
    ) -> None:
        self.dx, self.half_length = float(dx), float(half_length)
        self.dt_max, self.dt_min, self.growth = float(dt_max), float(dt_min), float(growth)
        self.epsilon = float(epsilon)

    def _solver(self, model, setting, rho_a, rho_b, times, outputs=()) -> MFTSolver:
        t_final = float(times[-1])
        grid = make_grid(
            t_final, times, self.half_length * np.sqrt(4 * t_final), self.dx, self.dt_max,
            self.dt_min, self.growth, output_times=outputs,
        )  # fmt: skip
        return MFTSolver(model, setting, rho_a, rho_b, grid)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> Arrays:
        out = empty_predictions(inputs)
        times = np.asarray(inputs["t"], float)
        for s, (model, setting, rho_a, rho_b) in enumerate(
            zip(inputs["model"], inputs["setting"], inputs["rho_a"], inputs["rho_b"], strict=True)
        ):
            solver = self._solver(model, setting, rho_a, rho_b, times)
            index = np.searchsorted(solver.grid.t, times)
            out["mean"][s] = solver.solve().current[index]
            if rho_a == rho_b:
                out["corr"][s] = two_time_correlation(solver, times, self.epsilon)
        r = np.asarray(inputs["r"], float)
        for c, (model, setting, rho) in enumerate(
            zip(inputs["case_model"], inputs["case_setting"], inputs["case_rho"], strict=True)
        ):
            t_final = times[-1]
            solver = self._solver(model, setting, rho, rho, [t_final], outputs=r * t_final)
            column = two_time_correlation(solver, r * t_final, self.epsilon, [t_final])
            out["scaling"][c] = column[:, 0] / np.sqrt(t_final)
        return out
