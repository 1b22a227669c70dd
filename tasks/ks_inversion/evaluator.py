"""Scorer of the Kohn–Sham inversion task (NumPy/SciPy; models, baselines and leaderboard).

Inputs: every array of the test split (``split.scoring``: ``x`` bohr, exact ``density``,
``v_ext``, ``v_xc`` (S, nx) in Ha, physics scalars) and predictions ``v_xc`` (S, nx). A method
may leave systems unpredicted (rows of NaN, e.g. an expensive baseline run on the first few
systems); only complete rows are scored and ``systems_scored`` says how many. Metrics:

- ``v_xc_mae``, ``v_xc_max_abs`` (Ha) over the grid and the scored systems;
- ``v_xc_mape`` (%): 100 Σ|Δv_xc| / Σ|v_xc|, a relative error that stays finite where the
  gauge makes v_xc → 0 at the box edge;
- the physics check: the KS equation is solved with v_s = v_ext + v_H[n] + v_xc^pred and its
  density n^pred compared with the exact one: ``density_l1`` = ∫|n^pred - n| dx (electrons,
  mean over systems) and ``density_max_abs`` (bohr^-1, max over systems);
- ``seconds_per_system`` and ``converged_fraction`` for methods that report them (iDEA).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.ks_inversion.ks_solve import density_errors


def physics_of_split(split: Mapping[str, np.ndarray]) -> dict:
    """The physics settings of a split (grid from ``x``, the rest from its scalars)."""
    x = split["x"]
    settings = ("softening", "interaction_softening", "density_floor")
    return {
        "box": [float(x[0]), float(x[-1])],
        "nx": len(x),
        "stencil": int(split["stencil"]),
        **{key: float(split[key]) for key in settings},
    }


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
    check = density_errors(
        split["x"], split["density"][scored], split["v_ext"][scored], predicted[scored],
        physics_of_split(split),
    )  # fmt: skip
    metrics = {
        "v_xc_mae": float(np.mean(np.abs(error))),
        "v_xc_max_abs": float(np.max(np.abs(error))),
        "v_xc_mape": float(100 * np.sum(np.abs(error)) / np.sum(np.abs(exact[scored]))),
        "density_l1": float(np.mean(check["density_l1"])),
        "density_max_abs": float(np.max(check["density_max_abs"])),
        "systems_scored": float(scored.sum()),
    }
    if "seconds" in predictions:  # methods that time each system themselves (iterative)
        metrics["seconds_per_system"] = float(np.nanmean(predictions["seconds"][scored]))
    if "converged" in predictions:
        metrics["converged_fraction"] = float(np.mean(predictions["converged"][scored]))
    return metrics
