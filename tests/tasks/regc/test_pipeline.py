"""The regc task end to end on a tiny data set: generation, baselines, training, figures."""

from __future__ import annotations

import numpy as np
import pytest

from bench.baseline import run_baseline
from bench.train import run_training

# Overrides that shrink any regc experiment to seconds (the smoke-test list).
TINY = [
    "task.lattice.shape=[4,4]",
    "task.replicas.temperature.count=3",
    "task.replicas.mu.count=3",
    "task.sampler.chains=1",
    "task.sampler.sweeps=600",
    "task.sampler.equilibration=100",
    "task.sampler.checkpoint_interval=300",
    "task.evaluation.temperature=[400,1000,50]",
    "task.evaluation.mu=[-0.5,0.25,0.05]",
    "task.analysis.train_stride.temperature=2",
    "task.analysis.train_stride.mu=2",
    "logger=none",
]


@pytest.mark.parametrize("experiment", ["regc_quick", "regc_8x8"])
def test_experiment_runs_a_few_steps_on_tiny_data(experiment, composed):
    cfg, run_dir = composed([f"experiment={experiment}", "trainer.fast_dev_run=true", *TINY])
    record = run_training(cfg, run_dir)
    assert np.isfinite(record.metrics["heat_capacity_rmse"])
    assert (run_dir / "plots" / "phase_diagram.png").is_file()


def test_baselines_share_the_split_and_the_exact_one_scores_zero(composed):
    base = ["experiment=regc_quick", *TINY, "plots=false"]
    cfg, run_dir = composed([*base, "baseline=regc_exact"])
    exact = run_baseline(cfg, run_dir)
    cfg, run_dir = composed([*base, "baseline=regc_mbar"])
    mbar = run_baseline(cfg, run_dir)
    assert exact.data_checksum == mbar.data_checksum
    assert exact.metrics["coverage_max_abs"] < 1e-10
    assert exact.metrics["heat_capacity_max_abs"] < 1e-8
    assert 0 < mbar.metrics["coverage_max_abs[replica]"] < 0.1


def test_split_holds_the_sampler_diagnostics(composed):
    from hydra.utils import instantiate

    cfg, _ = composed(["experiment=regc_quick", *TINY])
    split = instantiate(cfg.task.datamodule, _convert_="all").test_split().arrays
    k = split["replica_temperature"].size * split["replica_mu"].size
    assert split["overlap"].shape == (k, k)
    np.testing.assert_allclose(split["overlap"].sum(axis=1), 1.0, atol=1e-8)
    assert split["swap_acceptance"].shape == (2, 3, 3)
    assert np.all(np.isnan(split["swap_acceptance"][0, -1]))  # no partner above T_max
    assert split["moves_per_second"] > 0 and split["replica_mask"].sum() == k
    assert np.all(np.isfinite(split["mbar_coverage_sigma"][split["train_mask"]]))


def test_report_command_draws_the_physics_figures(composed):
    from bench.report import run_report

    cfg, run_dir = composed(["experiment=regc_quick"])
    paths = run_report(cfg, run_dir)
    assert [p.name for p in paths] == ["chemical_potential_O2.png", "orr_free_energy_diagram.png"]
    assert all(p.stat().st_size > 0 for p in paths)
