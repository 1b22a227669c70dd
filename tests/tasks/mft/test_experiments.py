"""Every mft experiment and baseline runs end to end on a tiny split (``debug=smoke``)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.baseline import run_baseline
from bench.train import run_training
from leaderboard.configs import CONF_DIR, compose
from tasks.mft.spec import SPEC

EXPERIMENTS = sorted(path.stem for path in (CONF_DIR / "experiment").glob("mft_*.yaml"))
TOLERANCE = {
    "mft_formula": 1e-12,
    "mft_solver": 0.03,  # t = 1 is on the scale of the grid (dx = 0.5)
    "mft_symbolic": np.inf,
    "mft_symbolic_primitives": np.inf,
}
SLOW = {"mft_symbolic", "mft_symbolic_primitives"}  # ~20 s each: engine start-up, four 1 s searches


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


def test_task_composes_alone_with_its_defaults():
    cfg = compose(["task=mft", "debug=smoke"])
    assert cfg.model.name == SPEC.default_model and cfg.model.t_min == 1
    assert [case.samples for case in cfg.task.cases] == [200] * 4


@pytest.mark.slow  # the shared experiment smoke test runs these with debug=smoke
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_runs_a_few_steps(experiment, composed):
    cfg, run_dir = composed([f"experiment={experiment}", "debug=smoke", "plots=true"])
    record = run_training(cfg, run_dir)
    assert np.isfinite(record.metrics["corr_rel_rmse"])
    assert (run_dir / "plots" / "scaling_function.png").is_file()


@pytest.mark.parametrize(
    "baseline",
    [pytest.param(b, marks=[pytest.mark.slow] if b in SLOW else []) for b in SPEC.baselines],
)
def test_baseline_runs(baseline, composed):
    cfg, run_dir = composed(["experiment=mft_quick", f"baseline={baseline}", "debug=smoke"])
    record = run_baseline(cfg, run_dir)
    assert record.metrics["corr_rel_rmse"] <= TOLERANCE[baseline]
    assert record.kind == SPEC.kind_of(baseline) and record.method == baseline
