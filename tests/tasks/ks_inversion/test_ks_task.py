"""The KS inversion task: splits without relabelled duplicates, scoring, FNO and PINN runs."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.ks_inversion.systems import equivalence_classes, parameter_grid
from bench.train import run_training
from leaderboard.configs import make_datamodule
from tasks.ks_inversion.data import split_indices
from tasks.ks_inversion.evaluator import evaluate


def test_no_test_system_is_a_relabelled_training_system():
    params = parameter_grid({"Z1": [0.5, 2.5, 9], "Z2": [0.5, 2.5, 9], "d": [0.0, 4.0, 9]})
    parts = split_indices(
        params, {"mode": "random", "train": 590, "val": 66, "test": 73, "seed": 0}
    )
    labels = equivalence_classes(params)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [590, 66, 73]
    assert not set(labels[parts["train"]]) & set(labels[parts["test"]])
    far = split_indices(params, {"mode": "extrapolate", "val": 66, "d_min": 4.0, "seed": 0})
    assert np.all(params[far["test"], 2] == 4.0) and np.all(params[far["train"], 2] < 4.0)


def test_exact_potential_scores_zero_and_a_shift_scores_the_shift(composed):
    cfg, _ = composed(["experiment=ks_quick", "debug=smoke"])
    split = make_datamodule(cfg, cache_dir=None).test_split().scoring
    exact = evaluate({"v_xc": split["v_xc"]}, split)
    assert exact["v_xc_mae"] == 0.0 and exact["density_l1"] < 1e-8
    shifted = evaluate({"v_xc": split["v_xc"] + 0.01}, split)
    assert shifted["v_xc_mae"] == pytest.approx(0.01)
    bent = split["v_xc"] + 0.05 * split["x"] / split["x"][-1]  # changes the density
    assert evaluate({"v_xc": bent}, split)["density_l1"] > 1e-3
    partial = split["v_xc"].copy()
    partial[1:] = np.nan
    assert evaluate({"v_xc": partial}, split)["systems_scored"] == 1


@pytest.mark.parametrize("model", ["ks_fno", "ks_pinn"])
def test_models_train_and_predict_every_test_system(model, composed):
    cfg, run_dir = composed(["experiment=ks_quick", f"model={model}", "debug=smoke"])
    record = run_training(cfg, run_dir)
    assert record.metrics["systems_scored"] == 2
    assert np.isfinite(record.metrics["v_xc_mae"])


def test_pinn_recovers_the_exact_potential_of_each_test_system(composed):
    """Per-system PINN with its default optimisation, scored against the exact inversion."""
    overrides = ["debug=smoke", "trainer.fast_dev_run=false", "task.physics.nx=301"]
    cfg, run_dir = composed(["experiment=ks_molecule_301", "model=ks_pinn", *overrides])
    record = run_training(cfg, run_dir)
    assert record.metrics["systems_scored"] == 2
    assert record.metrics["v_xc_mae"] < 5e-3  # Ha; seed's PINN on Molecule (301): 0.0125
    assert record.metrics["density_l1"] < 5e-3  # electrons
