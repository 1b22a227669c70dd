"""Scorer of the TDDFT task (NumPy only; shared by models, propagators and the leaderboard).

Inputs: the test split (``x`` (nx,) bohr, ``t`` (F,) ħ/E_h, reference ``density`` (S, F, nx)
electrons/bohr, ``score_from``) and predictions ``density`` of the same shape. Every metric is
taken over the scored frames f ≥ ``score_from`` of all test systems:

- ``density_mae``, ``density_mse``, ``density_max_abs``: pointwise errors of n(x, t);
- ``final_frame_mae``: the error at the last frame (how far a rollout drifts);
- ``number_max_abs``: max |N_pred(t) - N_ref(t)|, N(t) = Σ_i n_i Δx (particle number);
- ``dipole_mae``, ``dipole_max_abs``: errors of μ(t) = Σ_i x_i n_i Δx (bohr).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def number_and_dipole(density: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """N(t) = Σ n Δx and μ(t) = Σ x n Δx over the last (grid) axis of ``density``."""
    dx = float(x[1] - x[0])
    return density.sum(axis=-1) * dx, (density * x).sum(axis=-1) * dx


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of a predicted density movie against the reference (see module docstring)."""
    reference = split["density"]
    if "density" not in predictions:
        raise ValueError("predictions lack 'density': the tddft task needs n(x, t) per system")
    predicted = np.asarray(predictions["density"], float)
    if predicted.shape != reference.shape:
        raise ValueError(
            f"predictions['density'] has shape {predicted.shape}, the test split needs "
            f"{reference.shape} (systems, frames, grid points)"
        )
    scored = slice(int(split["score_from"]), None)
    error = predicted[:, scored] - reference[:, scored]
    number_pred, dipole_pred = number_and_dipole(predicted[:, scored], split["x"])
    number_ref, dipole_ref = number_and_dipole(reference[:, scored], split["x"])
    return {
        "density_mae": float(np.mean(np.abs(error))),
        "density_mse": float(np.mean(error**2)),
        "density_max_abs": float(np.max(np.abs(error))),
        "final_frame_mae": float(np.mean(np.abs(error[:, -1]))),
        "number_max_abs": float(np.max(np.abs(number_pred - number_ref))),
        "dipole_mae": float(np.mean(np.abs(dipole_pred - dipole_ref))),
        "dipole_max_abs": float(np.max(np.abs(dipole_pred - dipole_ref))),
    }
