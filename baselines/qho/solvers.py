"""Conventional baselines of the oscillator task, run on the test split's grid.

Each baseline maps the split's inputs (``axis``, ``t``, ``omega``) to predicted ``u``, ``v`` of
shape (n_ω, n_t, n_x^d), exactly like a trained model, so the task's evaluator scores both.
The dimension d comes from the baseline's config (``task.dim``), never from the references.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.qho.exact import psi_on_grid
from baselines.qho.split_operator import propagate_on_grid


class ExactFormula:
    """The closed-form state: zero error by construction, and the cost of evaluating it.

    Args:
        dim: spatial dimensions d of the test grid.
        state: ``psi01`` or ``entangled`` (``baselines.qho.exact.STATES``).
    """

    def __init__(self, dim: int, state: str = "psi01") -> None:
        self.dim, self.state = int(dim), state

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        u, v = psi_on_grid(inputs["axis"], inputs["t"], inputs["omega"], self.dim, self.state)
        return {"u": u, "v": v}


class SplitOperator:
    """Strang split-operator Fourier propagation from ψ(x, 0) on the test grid.

    Args:
        dim: spatial dimensions d of the test grid.
        dt: largest internal time step (ħ/E_h); the step is shortened to divide the frame
            interval.
        padding: extra box on each side, in units of the evaluation box half-width.
        state: initial state, ``psi01`` or ``entangled``.
    """

    def __init__(self, dim: int, dt: float, padding: float, state: str = "psi01") -> None:
        self.dim, self.dt, self.padding = int(dim), float(dt), float(padding)
        self.state = state

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        axis, times, omegas = inputs["axis"], inputs["t"], inputs["omega"]
        shape = (len(omegas), len(times), *[len(axis)] * self.dim)
        u, v = np.empty(shape), np.empty(shape)
        for i, omega in enumerate(omegas):
            u[i], v[i] = propagate_on_grid(
                [axis] * self.dim, times, float(omega), self.dt, self.padding, self.state
            )
        return {"u": u, "v": v}
