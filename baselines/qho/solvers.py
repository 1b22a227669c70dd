"""Conventional baselines of the oscillator task, run on the test split's grid.

Each baseline maps the split's inputs (``axis``, ``t``, ``omega``) to predicted ``u``, ``v`` of
shape (n_ω, n_t, n_x^d), exactly like a trained model, so the task's evaluator scores both.
The dimension d comes from the baseline's config (``task.dim``), never from the references.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.qho.exact import psi01_on_grid
from baselines.qho.split_operator import propagate_on_grid


class ExactFormula:
    """The closed-form ψ_{0,1}: zero error by construction, and the cost of evaluating it.

    Args:
        dim: spatial dimensions d of the test grid.
    """

    def __init__(self, dim: int) -> None:
        self.dim = int(dim)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        u, v = psi01_on_grid(inputs["axis"], inputs["t"], inputs["omega"], self.dim)
        return {"u": u, "v": v}


class SplitOperator:
    """Strang split-operator Fourier propagation from ψ(x, 0) on the test grid.

    Args:
        dim: spatial dimensions d of the test grid.
        dt: largest internal time step (ħ/E_h); the step is shortened to divide the frame
            interval.
        padding: extra box on each side, in units of the evaluation box half-width.
    """

    def __init__(self, dim: int, dt: float, padding: float) -> None:
        self.dim, self.dt, self.padding = int(dim), float(dt), float(padding)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        axis, times, omegas = inputs["axis"], inputs["t"], inputs["omega"]
        shape = (len(omegas), len(times), *[len(axis)] * self.dim)
        u, v = np.empty(shape), np.empty(shape)
        for i, omega in enumerate(omegas):
            u[i], v[i] = propagate_on_grid(
                [axis] * self.dim, times, float(omega), self.dt, self.padding
            )
        return {"u": u, "v": v}
