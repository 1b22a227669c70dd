"""Scorer of the Kohn–Sham inversion task (NumPy/SciPy; models, baselines and leaderboard).

Inputs: the test split (``x`` bohr, exact ``density``, ``v_ext``, ``v_h``, ``v_xc`` (S, nx) in
Ha) and predictions ``v_xc`` (S, nx). A method may leave systems unpredicted (rows of NaN, e.g.
an expensive baseline run on the first few systems); only complete rows are scored and
``systems_scored`` says how many. Metrics:

- ``v_xc_mae``, ``v_xc_max_abs`` (Ha) over the grid and the scored systems;
- ``v_xc_mape`` (%): 100 Σ|Δv_xc| / Σ|v_xc|, a relative error that stays finite where the
  gauge makes v_xc → 0 at the box edge;
- the physics check: the KS equation is solved with v_s = v_ext + v_H[n] + v_xc^pred and its
  density n^pred compared with the exact one: ``density_mae`` (electrons/bohr) and
  ``density_l1`` = ∫|n^pred - n| dx (electrons).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.ks_inversion.ks_solve import ks_density


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of predicted v_xc against the exact test split (see module docstring)."""
    if "v_xc" not in predictions:
        raise ValueError("predictions lack 'v_xc': the ks_inversion task needs v_xc per system")
    predicted = np.asarray(predictions["v_xc"], float)
    exact = split["v_xc"]
    if predicted.shape != exact.shape:
        raise ValueError(
            f"predictions['v_xc'] has shape {predicted.shape}, the test split needs {exact.shape}"
        )
    scored = np.all(np.isfinite(predicted), axis=1)
    if not scored.any():
        raise ValueError("no system has a finite predicted v_xc: nothing to score")
    error = predicted[scored] - exact[scored]
    x = split["x"]
    density_error = np.stack(
        [
            ks_density(x, split["v_ext"][i] + split["v_h"][i] + predicted[i]) - split["density"][i]
            for i in np.flatnonzero(scored)
        ]
    )
    return {
        "v_xc_mae": float(np.mean(np.abs(error))),
        "v_xc_max_abs": float(np.max(np.abs(error))),
        "v_xc_mape": float(100 * np.sum(np.abs(error)) / np.sum(np.abs(exact[scored]))),
        "density_mae": float(np.mean(np.abs(density_error))),
        "density_l1": float(np.mean(np.trapezoid(np.abs(density_error), x, axis=1))),
        "systems_scored": float(scored.sum()),
    }
