"""The tddft test split follows its spec: predictors see systems, grid, times and the frames
before ``score_from``; the reference movies are hidden from them (smoke size, in memory)."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from baselines.tddft.solvers import CoarsePropagator, ReferencePropagator
from leaderboard.configs import compose, make_datamodule
from tasks.splits import Split
from tasks.tddft.evaluator import evaluate
from tasks.tddft.spec import SPEC


@pytest.fixture(autouse=True)
def serial(monkeypatch):
    """Two tiny systems: no process pool."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


def smoke(experiment: str, *overrides: str):
    """Composed config of ``experiment`` at smoke size and its in-memory test split."""
    cfg = compose([f"experiment={experiment}", "debug=smoke", *overrides])
    return cfg, make_datamodule(cfg, cache_dir=None).test_split()


def method(cfg, group: str):
    """The ``model`` or ``baseline`` of ``cfg``, built as the harness builds it."""
    params = OmegaConf.to_container(cfg[group], resolve=True)
    params.pop("name")
    return instantiate(params, _convert_="all")


@pytest.fixture(scope="module")
def quick() -> tuple:
    return smoke("tddft_quick")


def test_split_holds_exactly_the_declared_arrays(quick: tuple) -> None:
    _, split = quick
    assert isinstance(split, Split) and split.path is None
    assert set(split.inputs) == set(SPEC.inputs)
    assert set(split.references) == set(SPEC.references)
    assert set(split.provenance) == set(SPEC.provenance)
    assert len(split.inputs[SPEC.sample_key]) == 2
    score_from = int(split.inputs["score_from"])
    density = split.references["density"]
    assert density.shape == (2, len(split.inputs["t"]), len(split.inputs["x"]))
    np.testing.assert_array_equal(split.inputs["observed_density"], density[:, :score_from])
    assert split.inputs["observed_density"].base is not density  # no view of the answer


def test_predictors_get_a_key_error_for_the_reference(quick: tuple) -> None:
    _, split = quick
    with pytest.raises(KeyError, match="references are hidden"):
        split.inputs["density"]
    assert not split.inputs["observed_density"].flags.writeable


@pytest.mark.parametrize("baseline", SPEC.baselines)
def test_baselines_propagate_from_the_inputs(baseline: str) -> None:
    cfg, split = smoke("tddft_quick", f"baseline={baseline}")
    solver = method(cfg, "baseline")
    assert isinstance(solver, (ReferencePropagator, CoarsePropagator))
    metrics = evaluate(solver.predict(split.inputs), split.scoring)
    if baseline == "tddft_reference":  # the task's own scheme and step: the reference itself
        assert metrics["density_mae"] == 0.0
    assert np.isfinite(metrics["density_mae"])


@pytest.mark.parametrize("experiment", ["tddft_time_offset", "tddft_super_resolution"])
def test_fno_predicts_the_offset_and_finer_grid_studies(experiment: str) -> None:
    cfg, split = smoke(experiment)
    n_frames, nx = int(cfg.task.physics.frames.n), cfg.task.test_nx or cfg.task.physics.nx
    assert split.references["density"].shape == (2, n_frames, nx)
    assert split.inputs["observed_density"].shape == (2, cfg.task.score_from, nx)
    predicted = method(cfg, "model").predict_split(split.inputs)
    assert predicted["density"].shape == (2, n_frames, nx)
    start = int(cfg.task.rollout_start) + int(cfg.model.t_in)
    assert int(predicted["propagated_frames"]) == n_frames - start
    assert np.isfinite(evaluate(predicted, split.scoring)["density_mae"])


def test_rollout_reading_scored_frames_is_refused() -> None:
    cfg, split = smoke("tddft_quick", "task.rollout_start=3")
    with pytest.raises(ValueError, match="only frames before the first scored frame 20"):
        method(cfg, "model").predict_split(split.inputs)
