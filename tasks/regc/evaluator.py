"""Scorer of the regc task (NumPy only; shared by training, baselines and leaderboard).

Predictions are per-site grids of shape (n_T, n_μ) on the split's evaluation grid:
``coverage`` ⟨N⟩/LM, ``energy`` ⟨E⟩/LM (eV), ``heat_capacity`` β²Var(E)/LM (k_B),
``susceptibility`` ∂θ/∂μ (1/eV) and ``beta_omega`` βΩ/LM (any additive constant). Metrics
against the exact transfer-matrix values:

- ``coverage_max_abs``, ``coverage_rmse``, ``energy_rmse``, ``susceptibility_rmse``,
  ``heat_capacity_rmse``, ``heat_capacity_max_abs`` over the whole grid;
- ``beta_omega_max_abs``: grand-potential differences Δ(βΩ)/LM relative to the first grid
  point (dimensionless, i.e. per site in units of kT);
- the same with suffix ``[replica]`` on the replica states only (reference: the first state);
- ``cv_peak_T_error[mu=...]``: |T_peak(pred) - T_peak(exact)| (K) of C(T) at each μ of
  ``cv_peak_mu`` (grid maximum refined by a parabola through its neighbours);
- ``cv_ridge_T_mae``: the phase boundary as the C(T) ridge: mean over μ columns (whose exact
  maximum lies inside the T range) of the peak-temperature error (K).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

KEYS = ("coverage", "energy", "heat_capacity", "susceptibility", "beta_omega")


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of the predicted per-site grids against the exact reference (module docstring).

    ``split`` holds every array of the split (the exact grids among its references); extra
    prediction keys (the baselines' ``log_weight``, MBAR's ``overlap``) are ignored.
    """
    shape = split["coverage"].shape
    for key in KEYS:
        if key not in predictions:
            raise ValueError(f"predictions lack {key!r}: the regc task needs {', '.join(KEYS)}")
        if np.shape(predictions[key]) != shape:
            raise ValueError(
                f"predictions[{key!r}] has shape {np.shape(predictions[key])}; the evaluation "
                f"grid is {shape} (temperature × mu)"
            )
    pred = {key: np.asarray(predictions[key], float) for key in KEYS}
    metrics = _grid_metrics(pred, split, np.ones(shape, bool))
    replica = _grid_metrics(pred, split, split["replica_mask"].astype(bool))
    metrics |= {f"{key}[replica]": value for key, value in replica.items()}
    temperature = split["temperature"]
    for mu in split["cv_peak_mu"]:
        column = int(np.argmin(np.abs(split["mu"] - mu)))
        exact = peak_temperature(temperature, split["heat_capacity"][:, column])
        guess = peak_temperature(temperature, pred["heat_capacity"][:, column])
        metrics[f"cv_peak_T_error[mu={split['mu'][column]:g}]"] = abs(guess - exact)
    metrics["cv_ridge_T_mae"] = _ridge_error(temperature, pred["heat_capacity"], split)
    return metrics


def _grid_metrics(
    pred: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], mask: np.ndarray
) -> dict[str, float]:
    errors = {key: pred[key][mask] - split[key][mask] for key in KEYS if key != "beta_omega"}
    first = np.argwhere(mask)[0]
    relative_pred = pred["beta_omega"][mask] - pred["beta_omega"][tuple(first)]
    relative_exact = split["beta_omega"][mask] - split["beta_omega"][tuple(first)]
    rmse = lambda e: float(np.sqrt(np.mean(e**2)))  # noqa: E731
    return {
        "coverage_max_abs": float(np.max(np.abs(errors["coverage"]))),
        "coverage_rmse": rmse(errors["coverage"]),
        "energy_rmse": rmse(errors["energy"]),
        "susceptibility_rmse": rmse(errors["susceptibility"]),
        "heat_capacity_rmse": rmse(errors["heat_capacity"]),
        "heat_capacity_max_abs": float(np.max(np.abs(errors["heat_capacity"]))),
        "beta_omega_max_abs": float(np.max(np.abs(relative_pred - relative_exact))),
    }


def peak_temperature(temperature: np.ndarray, values: np.ndarray) -> float:
    """Temperature of the maximum of ``values``, refined by a parabola through 3 grid points."""
    i = int(np.argmax(values))
    if i == 0 or i == values.size - 1:
        return float(temperature[i])
    t, v = temperature[i - 1 : i + 2], values[i - 1 : i + 2]
    a, b, _ = np.polyfit(t, v, 2)
    return float(np.clip(-b / (2 * a), t[0], t[-1])) if a < 0 else float(temperature[i])


def _ridge_error(temperature: np.ndarray, predicted: np.ndarray, split) -> float:
    errors = []
    for column in range(predicted.shape[1]):
        exact_index = int(np.argmax(split["heat_capacity"][:, column]))
        if 1 < exact_index < temperature.size - 2:  # a maximum inside the window
            exact = peak_temperature(temperature, split["heat_capacity"][:, column])
            errors.append(abs(peak_temperature(temperature, predicted[:, column]) - exact))
    return float(np.mean(errors)) if errors else float("nan")
