"""The qho split follows its spec; predictors read only its inputs and compose from config."""

from __future__ import annotations

import numpy as np
import pytest

from bench.config import instantiate_method
from leaderboard.configs import compose, make_datamodule
from tasks.qho.evaluator import evaluate
from tasks.qho.spec import SPEC
from tasks.spec import get_task


def smoke_split(*overrides: str, cache_dir=None):
    cfg = compose(["task=qho", "debug=smoke", *overrides])
    return cfg, make_datamodule(cfg, cache_dir=cache_dir).test_split()


def test_split_follows_the_spec_and_hides_references():
    _, split = smoke_split("task.test.omega=[0.5,1.0]")
    assert get_task("qho") is SPEC
    assert set(split.inputs) == set(SPEC.inputs)
    assert set(split.references) == set(SPEC.references) and not split.provenance
    assert split.n_samples(SPEC) == 2 and split.references["u"].shape == (2, 5, 17)
    with pytest.raises(KeyError, match="references are hidden"):
        split.inputs["u"]
    with pytest.raises(ValueError, match="read-only"):
        split.inputs["axis"][0] = 0.0


def test_stored_split_is_reused(tmp_path):
    _, built = smoke_split(cache_dir=str(tmp_path))
    _, loaded = smoke_split(cache_dir=str(tmp_path))
    assert built.split_id == loaded.split_id and loaded.path is not None
    _, other = smoke_split("task.test.nt=6", cache_dir=str(tmp_path))
    assert other.split_id != built.split_id


@pytest.mark.parametrize("baseline", SPEC.baselines)
@pytest.mark.parametrize("dim", [1, 2])
def test_baselines_reproduce_the_exact_state_from_the_inputs(baseline, dim):
    cfg, split = smoke_split(f"baseline={baseline}", f"task.dim={dim}")
    name, _, solver = instantiate_method(cfg, "baseline")
    assert name == baseline
    metrics = evaluate(solver.predict(split.inputs), split.scoring)
    assert metrics["density_mse"] < 1e-9 and metrics["u_mse"] < 1e-9


def test_pinn_predicts_the_grid_from_the_inputs():
    cfg, split = smoke_split("task.dim=2", "task.test.omega=[0.5,1.0]")
    name, _, model = instantiate_method(cfg, "model")
    assert name == SPEC.default_model
    predictions = model.double().predict_split(split.inputs)
    assert predictions["u"].shape == split.references["u"].shape
    assert np.isfinite(evaluate(predictions, split.scoring)["density_mse"])
