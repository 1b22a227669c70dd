"""Scorer of the oscillator task (NumPy only; shared by training, baselines and leaderboard).

Reads the whole test split (inputs ``axis``, ``t``, ``omega``, ``slices`` and the exact
references ``u``, ``v`` of shape (n_ω, n_t, n_x^d)) and predictions ``u``, ``v`` of that
shape. Metrics, for all test ω pooled and for each ω (suffix ``[omega=...]``):

- ``density_mse``, ``log10_density_mse``, ``density_max_abs``, ``density_mean_abs``: errors of
  n = u² + v² (bohr^-d) on the grid;
- ``u_mse``, ``v_mse``: errors of the wave function itself (sensitive to the global phase);
- ``norm_max_abs``: max over t of |∫_box n_pred - ∫_box n_exact| (trapezoid rule), a
  conservation check that does not need the state to vanish at the box edge;
- for each slice row (axis, coordinate, t): ``u_mse``/``v_mse`` on the nearest grid plane.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

AXIS_NAMES = "xyz"


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of predicted (u, v) against the exact test split (see module docstring)."""
    for key in ("u", "v"):
        if key not in predictions:
            raise ValueError(f"predictions lack {key!r}: the qho task needs arrays 'u' and 'v'")
        if np.shape(predictions[key]) != split[key].shape:
            raise ValueError(
                f"predictions[{key!r}] has shape {np.shape(predictions[key])}, "
                f"the test split needs {split[key].shape}"
            )
    u_pred, v_pred = (np.asarray(predictions[k], float) for k in ("u", "v"))
    dim = split["u"].ndim - 2
    metrics = _field_metrics(u_pred, v_pred, split["u"], split["v"], split["axis"], dim)
    for i, omega in enumerate(split["omega"]):
        per_omega = _field_metrics(
            u_pred[i], v_pred[i], split["u"][i], split["v"][i], split["axis"], dim
        )
        metrics |= {f"{key}[omega={omega:g}]": value for key, value in per_omega.items()}
    metrics |= _slice_metrics(u_pred, v_pred, split)
    return metrics


def _field_metrics(
    u_pred: np.ndarray,
    v_pred: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    axis: np.ndarray,
    dim: int,
) -> dict[str, float]:
    density_error = (u_pred**2 + v_pred**2) - (u**2 + v**2)
    mse = float(np.mean(density_error**2))
    return {
        "density_mse": mse,
        "log10_density_mse": float(np.log10(mse)) if mse > 0 else -np.inf,
        "density_max_abs": float(np.max(np.abs(density_error))),
        "density_mean_abs": float(np.mean(np.abs(density_error))),
        "u_mse": float(np.mean((u_pred - u) ** 2)),
        "v_mse": float(np.mean((v_pred - v) ** 2)),
        "norm_max_abs": float(np.max(np.abs(_box_integral(density_error, axis, dim)))),
    }


def _box_integral(field: np.ndarray, axis: np.ndarray, dim: int) -> np.ndarray:
    """Trapezoid integral over the ``dim`` trailing spatial axes (all sampled on ``axis``)."""
    for _ in range(dim):
        field = np.trapezoid(field, axis, axis=-1)
    return field


def _slice_metrics(
    u_pred: np.ndarray, v_pred: np.ndarray, split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """(u, v) MSE on the grid plane nearest to each slice (first test ω)."""
    metrics: dict[str, float] = {}
    axis, times = split["axis"], split["t"]
    for axis_index, coordinate, t in split["slices"]:
        k = int(axis_index)
        i_t = int(np.argmin(np.abs(times - t)))
        i_x = int(np.argmin(np.abs(axis - coordinate)))
        index = (0, i_t) + (slice(None),) * k + (i_x,)
        name = f"slice[{AXIS_NAMES[k]}={axis[i_x]:.3g},t={times[i_t]:.3g}]"
        metrics[f"{name}/u_mse"] = float(np.mean((u_pred[index] - split["u"][index]) ** 2))
        metrics[f"{name}/v_mse"] = float(np.mean((v_pred[index] - split["v"][index]) ** 2))
    return metrics
