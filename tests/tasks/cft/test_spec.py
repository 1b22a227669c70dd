"""The cft split follows its spec; predictors read only its inputs; the exact row uses config."""

from __future__ import annotations

import pytest

from bench.config import instantiate_method
from leaderboard.configs import compose, make_datamodule
from tasks.cft.evaluator import evaluate
from tasks.cft.spec import SPEC


def smoke(*overrides: str):
    cfg = compose(["debug=smoke", *overrides])
    return cfg, make_datamodule(cfg, cache_dir=None).test_split()


def test_split_follows_the_spec_and_hides_the_answers():
    _, split = smoke("task=cft")
    assert set(split.inputs) == set(SPEC.inputs) and set(split.references) == set(SPEC.references)
    assert split.n_samples(SPEC) == 1 and len(split.inputs["heldout_x"]) > 0
    for key in ("formula", "heldout_num"):
        with pytest.raises(KeyError, match="references are hidden"):
            split.inputs[key]


def test_primary_metric_is_exact_and_higher_is_better():
    assert SPEC.primary_metric == "exact" and SPEC.metrics["exact"].direction == "higher"


@pytest.mark.parametrize(
    ("experiment", "baseline"),
    [("cft_c_wzw", "cft_exact"), ("cft_h_minimal", "cft_exact"), ("cft_c_wzw", "cft_rational")],
)
def test_baselines_recover_the_formula_from_the_inputs(experiment, baseline):
    cfg, split = smoke(f"experiment={experiment}", f"baseline={baseline}")
    name, _, solver = instantiate_method(cfg, "baseline")
    assert name == baseline
    metrics = evaluate(solver.predict(split.inputs), split.scoring)
    assert metrics["exact"] == 1 and metrics["symbolic_match"] == 1


def test_exact_baseline_takes_its_formula_from_the_config_not_the_split():
    overrides = ["experiment=cft_c_wzw", "baseline=cft_exact", "task.quantity=h"]
    for change, exact in (([], 1), (["baseline.quantity=c"], 0)):  # a wrong config stays wrong
        cfg, split = smoke(*overrides, *change)
        _, _, solver = instantiate_method(cfg, "baseline")
        assert evaluate(solver.predict(split.inputs), split.scoring)["exact"] == exact
