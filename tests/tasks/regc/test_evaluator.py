"""The regc evaluator on predictions with known errors."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.regc.enumeration import enumerate_dos
from baselines.regc.lattice import LatticeGas
from baselines.regc.thermo import QUANTITIES, grid_thermodynamics
from tasks.regc.evaluator import KEYS, evaluate, peak_temperature


@pytest.fixture(scope="module")
def split():
    model = LatticeGas((4, 4), 0.3, -0.1)
    t, mu = np.arange(300.0, 1001.0, 10.0), np.array([-0.3, -0.1, 0.1])
    with np.errstate(divide="ignore"):
        exact = grid_thermodynamics(np.log(enumerate_dos(model)), model, t, mu)
    mask = np.zeros(exact["coverage"].shape, bool)
    mask[::10, ::2] = True
    return {"temperature": t, "mu": mu, **{k: exact[k] for k in QUANTITIES},
            "replica_mask": mask, "cv_peak_mu": np.array([-0.1])}  # fmt: skip


def exact_predictions(split):
    return {key: split[key].copy() for key in KEYS}


def test_exact_predictions_score_zero(split):
    metrics = evaluate(exact_predictions(split), split)
    for key, value in metrics.items():
        assert value == pytest.approx(0.0, abs=1e-12), key


def test_grand_potential_is_compared_up_to_a_constant(split):
    predictions = exact_predictions(split)
    predictions["beta_omega"] += 3.0
    assert evaluate(predictions, split)["beta_omega_max_abs"] == pytest.approx(0.0, abs=1e-12)
    predictions["beta_omega"][5, 1] += 0.02
    assert evaluate(predictions, split)["beta_omega_max_abs"] == pytest.approx(0.02)


def test_single_point_errors(split):
    predictions = exact_predictions(split)
    predictions["coverage"][10, 0] += 0.05  # a replica point (row 10, column 0)
    metrics = evaluate(predictions, split)
    assert metrics["coverage_max_abs"] == pytest.approx(0.05)
    assert metrics["coverage_rmse"] == pytest.approx(0.05 / np.sqrt(split["coverage"].size))
    assert metrics["coverage_max_abs[replica]"] == pytest.approx(0.05)


def test_shifted_heat_capacity_moves_the_peak(split):
    """C(T) shifted by two grid steps (20 K) on the μ = -0.1 column: peak error 20 K."""
    predictions = exact_predictions(split)
    column = split["heat_capacity"][:, 1]
    predictions["heat_capacity"][:, 1] = np.interp(split["temperature"] - 20.0,
                                                   split["temperature"], column)  # fmt: skip
    metrics = evaluate(predictions, split)
    assert metrics["cv_peak_T_error[mu=-0.1]"] == pytest.approx(20.0, abs=1.0)


def test_parabolic_peak_is_exact_for_a_parabola():
    t = np.arange(0.0, 10.0)
    assert peak_temperature(t, -((t - 4.3) ** 2)) == pytest.approx(4.3)


def test_wrong_predictions_are_explained(split):
    predictions = exact_predictions(split)
    del predictions["energy"]
    with pytest.raises(ValueError, match="lack 'energy'"):
        evaluate(predictions, split)
    predictions = exact_predictions(split)
    predictions["coverage"] = predictions["coverage"][:, :2]
    with pytest.raises(ValueError, match="temperature × mu"):
        evaluate(predictions, split)
