"""The evaluator's metrics on predictions with a known error."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.qho.data import build_test_split
from tasks.qho.evaluator import evaluate

X_RANGE, T_RANGE = (-np.pi, np.pi), (0.0, 2 * np.pi)


@pytest.fixture
def split():
    return build_test_split(1, X_RANGE, T_RANGE, {"omega": [0.5, 1.0], "nx": 41, "nt": 11})


def test_exact_predictions_score_zero(split):
    metrics = evaluate({"u": split["u"], "v": split["v"]}, split)
    assert metrics["density_mse"] == 0.0
    assert metrics["norm_max_abs"] == 0.0


def test_single_point_density_error(split):
    """Raising the density by δ at one of N points gives MSE δ²/N and max error δ."""
    delta = 0.01
    u, v = split["u"].copy(), split["v"].copy()
    i = (1, 5, 20)
    density = u[i] ** 2 + v[i] ** 2
    scale = np.sqrt((density + delta) / density)
    u[i], v[i] = u[i] * scale, v[i] * scale
    metrics = evaluate({"u": u, "v": v}, split)
    assert metrics["density_mse"] == pytest.approx(delta**2 / u.size, rel=1e-9)
    assert metrics["density_max_abs"] == pytest.approx(delta, rel=1e-9)
    assert metrics["density_mse[omega=0.5]"] == 0.0
    assert metrics["density_mse[omega=1]"] == pytest.approx(delta**2 / u[1].size, rel=1e-9)
    # trapezoid weight of an interior point is dx
    dx = split["axis"][1] - split["axis"][0]
    assert metrics["norm_max_abs[omega=1]"] == pytest.approx(delta * dx, rel=1e-9)


def test_global_phase_changes_wavefunction_not_density(split):
    u, v = split["u"], split["v"]
    metrics = evaluate({"u": -v, "v": u}, split)  # ψ -> iψ
    assert metrics["density_mse"] == pytest.approx(0.0, abs=1e-30)
    assert metrics["u_mse"] > 1e-3


def test_wrong_shape_is_explained(split):
    with pytest.raises(ValueError, match="shape"):
        evaluate({"u": split["u"][:1], "v": split["v"][:1]}, split)
    with pytest.raises(ValueError, match="'v'"):
        evaluate({"u": split["u"]}, split)


def test_slice_metrics_3d():
    test = {"omega": [1.0], "nx": 9, "nt": 3, "slices": [[0, -3.0, 0.0], [1, 0.0, 3.14159]]}
    split = build_test_split(3, X_RANGE, T_RANGE, test)
    u = split["u"].copy()
    u[0, 0, 1] += 0.1  # x = axis[1] ≈ -2.36 plane: not the slice nearest to x = -3
    u[0, 0, 0, 4, 4] += 0.2  # a point of the x = axis[0] = -π plane
    metrics = evaluate({"u": u, "v": split["v"]}, split)
    name = "slice[x=-3.14,t=0]"
    assert metrics[f"{name}/u_mse"] == pytest.approx(0.04 / 81)
    assert metrics[f"{name}/v_mse"] == 0.0
    assert metrics["slice[y=0,t=3.14]/u_mse"] == 0.0
