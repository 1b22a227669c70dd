"""Every mft experiment and baseline runs end to end on a tiny split (the smoke overrides)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.baseline import run_baseline
from bench.train import run_training
from leaderboard.configs import CONF_DIR

# Shrink any mft experiment to seconds: three short times, 200 samples per system.
SMOKE = [
    "task.simulation.times=[1,4,9]",
    "task.simulation.batch=100",
    "task.simulation.jackknife_groups=10",
    *(f"task.cases.{i}.{key}=200" for i in range(4) for key in ("samples", "step_samples")),
    "model.t_min=1",
    "logger=none",
]
EXPERIMENTS = sorted(path.stem for path in (CONF_DIR / "experiment").glob("mft_*.yaml"))


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


@pytest.mark.slow  # the shared experiment smoke test runs these with SMOKE
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_runs_a_few_steps(experiment, composed):
    cfg, run_dir = composed([f"experiment={experiment}", "trainer.fast_dev_run=true", *SMOKE])
    record = run_training(cfg, run_dir)
    assert np.isfinite(record.metrics["corr_rel_rmse"])
    assert (run_dir / "plots" / "scaling_function.png").is_file()


@pytest.mark.parametrize(
    ("baseline", "extra", "tolerance"),
    [
        ("mft_formula", [], 1e-12),
        ("mft_solver", [], 0.03),  # t = 1 is on the scale of the grid (dx = 0.5)
        pytest.param(
            "mft_symbolic",
            ["baseline.engine.time_limit=1", "baseline.t_min=1"],
            np.inf,
            marks=pytest.mark.slow,  # ~20 s: the engine's start-up and four 1 s searches
        ),
    ],
)
def test_baseline_runs(baseline, extra, tolerance, composed):
    overrides = ["experiment=mft_quick", f"baseline={baseline}", "plots=false", *SMOKE, *extra]
    cfg, run_dir = composed(overrides)
    record = run_baseline(cfg, run_dir)
    assert record.metrics["corr_rel_rmse"] <= tolerance
    assert record.kind == "baseline" and record.method == baseline
