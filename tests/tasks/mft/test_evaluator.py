"""The evaluator: exact predictions score zero, malformed ones are rejected with advice."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.mft.predictors import ExactFormulas, empty_predictions
from tasks.mft.evaluator import evaluate


def test_exact_formulas_score_zero(tiny_split):
    metrics = evaluate(ExactFormulas().predict(tiny_split.inputs), tiny_split.scoring)
    assert metrics["corr_rel_rmse"] == 0.0 and metrics["sigma_D_max_rel_err"] == 0.0
    assert metrics["mean_rel_rmse"] == 0.0 and metrics["scaling_rel_rmse"] == 0.0
    assert metrics["corr_rel_rmse[ssep_quenched]"] == 0.0
    assert 0.0 < metrics["corr_chi2"] < 50.0


def test_errors_are_relative(tiny_split):
    predictions = ExactFormulas().predict(tiny_split.inputs)
    predictions["corr"] = 1.1 * predictions["corr"]
    predictions["sigma"] = predictions["sigma"] * np.array([1.0, 1.0, 1.0, 0.95])
    predictions["D"][:] = np.nan
    metrics = evaluate(predictions, tiny_split.scoring)
    assert metrics["corr_rel_rmse"] == pytest.approx(0.1)
    assert metrics["sigma_rel_err[ssep_quenched]"] == pytest.approx(0.05)
    assert metrics["sigma_D_max_rel_err"] == pytest.approx(0.05)
    assert not any(key.startswith("D_rel_err") for key in metrics)


def test_malformed_predictions_are_rejected(tiny_split):
    predictions = ExactFormulas().predict(tiny_split.inputs)
    with pytest.raises(ValueError, match="lack 'scaling'"):
        evaluate({k: v for k, v in predictions.items() if k != "scaling"}, tiny_split.scoring)
    with pytest.raises(ValueError, match="shape"):
        evaluate({**predictions, "mean": predictions["mean"][:, :1]}, tiny_split.scoring)
    with pytest.raises(ValueError, match="finite on every equilibrium"):
        evaluate(empty_predictions(tiny_split.inputs), tiny_split.scoring)
