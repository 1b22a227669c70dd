"""Conventional baselines of the oscillator task, run on the test split's grid.

Each baseline maps the test split (``axis``, ``t``, ``omega``, shapes of ``u``) to predicted
``u``, ``v`` arrays, exactly like a trained model, so the task's evaluator scores both.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.qho.exact import psi01_on_grid
from baselines.qho.split_operator import propagate_on_grid


class ExactFormula:
    """The closed-form ψ_{0,1}: zero error by construction, and the cost of evaluating it."""

    name = "exact"

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        dim = split["u"].ndim - 2
        u, v = psi01_on_grid(split["axis"], split["t"], split["omega"], dim)
        return {"u": u, "v": v}


class SplitOperator:
    """Strang split-operator Fourier propagation from ψ(x, 0) on the test grid.

    Args:
        dt: largest internal time step (ħ/E_h); the step is shortened to divide the frame
            interval.
        padding: extra box on each side, in units of the evaluation box half-width.
    """

    name = "split_operator"

    def __init__(self, dt: float, padding: float) -> None:
        self.dt, self.padding = float(dt), float(padding)

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        dim = split["u"].ndim - 2
        u, v = np.empty(split["u"].shape), np.empty(split["u"].shape)
        for i, omega in enumerate(split["omega"]):
            u[i], v[i] = propagate_on_grid(
                [split["axis"]] * dim, split["t"], float(omega), self.dt, self.padding
            )
        return {"u": u, "v": v}
