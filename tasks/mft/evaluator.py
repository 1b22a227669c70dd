"""Scorer of the ``mft`` task (NumPy only; shared by training, baselines and leaderboard).

Predictions (NaN marks a quantity a method does not predict):

- ``corr`` (n_systems, n_t, n_t): ⟨Q(t1)Q(t2)⟩_c; required (finite) on equilibrium systems;
- ``mean`` (n_systems, n_t): ⟨Q(t)⟩, scored on the step systems;
- ``sigma``, ``D`` (n_cases,): fitted mobility and diffusion coefficient of each case;
- ``scaling`` (n_cases, n_r): f(r) with ⟨Q(t1)Q(t2)⟩_c = √t2 f(t1/t2) on the split's r grid.

Metrics, against the exact continuum values of the split:

- ``corr_rel_rmse`` (primary) and ``corr_rel_rmse[<case>]``: relative RMS error of ``corr``
  over the pairs t1 ≤ t2 of the equilibrium systems;
- ``corr_chi2``: mean squared z-score of ``corr`` against the simulated estimates (≈ 1 for a
  prediction as good as the exact formula when lattice corrections are negligible);
- ``sigma_rel_err[<case>]``, ``D_rel_err[<case>]``, ``sigma_D_max_rel_err``: |x/x_exact - 1|;
- ``mean_rel_rmse``: relative RMS error of ``mean`` on the step systems;
- ``scaling_rel_rmse`` (and per case): relative RMS error of ``scaling`` for r > 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

KEYS = {
    "corr": ("corr",),
    "mean": ("cumulants", 0),
    "sigma": ("sigma_exact",),
    "D": ("d_exact",),
    "scaling": ("scaling_exact",),
}


def _shape(split: Mapping[str, np.ndarray], key: str) -> tuple[int, ...]:
    source = KEYS[key]
    shape = split[source[0]].shape
    return shape[:1] + shape[2:] if len(source) == 2 else shape


def _checked(predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]) -> dict:
    arrays = {}
    for key in KEYS:
        if key not in predictions:
            raise ValueError(
                f"predictions lack {key!r}: the mft task needs {sorted(KEYS)} (NaN where a "
                "method does not predict a quantity)"
            )
        value = np.asarray(predictions[key], float)
        if value.shape != _shape(split, key):
            raise ValueError(
                f"predictions[{key!r}] has shape {value.shape}, the split needs "
                f"{_shape(split, key)}"
            )
        arrays[key] = value
    return arrays


def _rel_rmse(predicted: np.ndarray, exact: np.ndarray) -> float:
    return float(np.sqrt(np.mean(((predicted - exact) / exact) ** 2)))


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of the predictions against the split (see module docstring)."""
    pred = _checked(predictions, split)
    cases = split["case"]
    equilibrium = np.flatnonzero(split["system_role"] == "equilibrium")
    i, j = np.triu_indices(len(split["t"]))
    corr = pred["corr"][equilibrium][:, i, j]
    if not np.all(np.isfinite(corr)):
        raise ValueError("predictions['corr'] must be finite on every equilibrium system")
    exact = split["corr_exact"][equilibrium][:, i, j]
    z = (corr - split["corr"][equilibrium][:, i, j]) / split["corr_err"][equilibrium][:, i, j]
    metrics = {"corr_rel_rmse": _rel_rmse(corr, exact), "corr_chi2": float(np.mean(z**2))}
    for row, system in enumerate(equilibrium):
        name = cases[split["system_case"][system]]
        metrics[f"corr_rel_rmse[{name}]"] = _rel_rmse(corr[row], exact[row])
    errors = []
    for key, exact_key in (("sigma", "sigma_exact"), ("D", "d_exact")):
        for name, value, reference in zip(cases, pred[key], split[exact_key], strict=True):
            if np.isfinite(value):
                errors.append(abs(value / reference - 1.0))
                metrics[f"{key}_rel_err[{name}]"] = errors[-1]
    if errors:
        metrics["sigma_D_max_rel_err"] = float(max(errors))
    step = split["system_role"] == "step"
    mean = pred["mean"][step]
    if np.all(np.isfinite(mean)):
        metrics["mean_rel_rmse"] = _rel_rmse(mean, split["mean_exact"][step])
    positive = split["r"] > 0
    scaling = pred["scaling"][:, positive]
    reference = split["scaling_exact"][:, positive]
    if np.all(np.isfinite(scaling)):
        metrics["scaling_rel_rmse"] = _rel_rmse(scaling, reference)
        for name, f_pred, f_exact in zip(cases, scaling, reference, strict=True):
            metrics[f"scaling_rel_rmse[{name}]"] = _rel_rmse(f_pred, f_exact)
    return metrics
