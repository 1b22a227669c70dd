"""Every experiment config composes and runs end to end on the CPU, so no config can rot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from baselines.cft.pysr_engine import EngineUnavailable, julia_executable
from bench.baseline import run_baseline
from bench.train import run_training
from leaderboard.configs import CONF_DIR, compose
from leaderboard.record import load_record

EXPERIMENTS = sorted(path.stem for path in (CONF_DIR / "experiment").glob("*.yaml"))
BASELINES = sorted(path.stem for path in (CONF_DIR / "baseline").glob("*.yaml"))
QHO_BASELINES = [b for b in BASELINES if b in ("exact", "split_operator")]

# Per task: overrides that shrink an experiment's data to seconds (the config is still the
# experiment's own in every other respect).
SMOKE = {
    "tddft": [
        "task.systems.n=6", "task.split={train: 3, val: 1, test: 2}", "task.physics.nx=61",
        "task.physics.frames.n=27", "task.physics.reference.dt=0.05",
    ],
    "ks_inversion": [
        "task.physics.nx=41", "task.systems={Z1: [1.0, 2.0, 2], Z2: [0.5, 1.0, 2], d: [0, 4, 2]}",
        "task.split.train=4", "task.split.val=2", "task.split.test=2",
    ],
    "regc": [
        "task.lattice.shape=[4,4]", "task.replicas.temperature.count=3",
        "task.replicas.mu.count=3", "task.sampler.chains=1", "task.sampler.sweeps=600",
        "task.sampler.equilibration=100", "task.sampler.checkpoint_interval=300",
        "task.evaluation.temperature=[400,1000,50]", "task.evaluation.mu=[-0.5,0.25,0.05]",
        "task.analysis.train_stride.temperature=2", "task.analysis.train_stride.mu=2",
    ],
    "mft": [
        "task.simulation.times=[1,4,9]", "task.simulation.batch=100",
        "task.simulation.jackknife_groups=10", "model.t_min=1",
        *(f"task.cases.{i}.{key}=200" for i in range(4) for key in ("samples", "step_samples")),
    ],
}  # fmt: skip
# Baselines that need more than their task's smoke overrides.
BASELINE_SMOKE = {
    "mft_symbolic": ["baseline.t_min=1", "baseline.engine.time_limit=1"],
    "idea": ["baseline.max_systems=1", "baseline.max_cpu_seconds=20"],
}


def smoke_overrides(experiment: str) -> list[str]:
    """``experiment=...`` plus the overrides that make its task's data tiny."""
    task = compose([f"experiment={experiment}"]).task.name
    return [f"experiment={experiment}", *SMOKE.get(task, [])]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_runs_a_few_steps(experiment, composed):
    overrides = [*smoke_overrides(experiment), "trainer.fast_dev_run=true", "logger=none"]
    cfg, run_dir = composed([*overrides, "plots=false"])
    record = run_training(cfg, run_dir)
    assert record.experiment == experiment
    assert np.isfinite(record.metrics[cfg.task.primary_metric])
    assert load_record(run_dir).content_hash == record.content_hash


def test_training_writes_a_complete_record_and_figures(composed, quick_qho):
    cfg, run_dir = composed(["experiment=qho_base", "logger=csv", *quick_qho])
    record = run_training(cfg, run_dir)
    assert record.kind == "model" and record.method == "pinn"
    assert record.timings["train"] > 0 and record.timings["train_steps"] == 4
    assert record.timings["inference_per_sample"] > 0
    assert record.data_checksum.startswith("sha256:")
    assert record.config["model"]["optim"]["adam_steps"] == 3
    assert record.packages["torch"] != "not installed"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert (run_dir / "plots" / "density_xt_omega1.png").is_file()
    assert any((run_dir / "csv").rglob("metrics.csv"))


RESUMED = ["qho_base", "tddft_quick", "ks_quick", "regc_quick", "mft_quick", "cft_c_wzw"]


@pytest.mark.parametrize("experiment", RESUMED)
def test_interrupted_training_resumes_from_checkpoint(experiment, composed, quick_qho):
    """A run stopped at step 2 of 4 resumes from its weights-only-loadable ``last.ckpt``."""
    shrink = quick_qho if experiment == "qho_base" else ["model.optim.total_steps=4"]
    base = [*smoke_overrides(experiment), "logger=none", "plots=false", *shrink]
    cfg, run_dir = composed([*base, "trainer.max_steps=2"])  # stands in for a crash at step 2
    run_training(cfg, run_dir)
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    torch.load(checkpoint, weights_only=True)  # no pickled classes or functions inside
    cfg, run_dir = composed([*base, f"ckpt_path={checkpoint}"])
    record = run_training(cfg, run_dir)
    assert record.timings["train_steps"] == 2  # steps 3 and 4 of 4; the first 2 were restored


@pytest.mark.parametrize("dim", [2, 3])
def test_multidimensional_experiment_scores_and_plots_slices(dim, composed):
    overrides = ["experiment=qho_3d", f"task.dim={dim}", "trainer.fast_dev_run=true"]
    cfg, run_dir = composed([*overrides, "logger=none", "task.test.nx=9"])
    metrics = run_training(cfg, run_dir).metrics
    assert any(key.startswith("slice[x=") for key in metrics)
    assert (run_dir / "plots" / "slices.png").is_file()


def baseline_task(baseline: str) -> str:
    """The task a baseline belongs to: the package after ``baselines.`` in its ``_target_``."""
    return OmegaConf.load(CONF_DIR / "baseline" / f"{baseline}.yaml")._target_.split(".")[1]


@pytest.mark.parametrize("baseline", BASELINES)
def test_every_baseline_runs_on_an_experiment_of_its_task(baseline, composed):
    task = baseline_task(baseline)
    experiment = next(e for e in EXPERIMENTS if compose([f"experiment={e}"]).task.name == task)
    overrides = [*smoke_overrides(experiment), *BASELINE_SMOKE.get(baseline, [])]
    cfg, run_dir = composed([*overrides, f"baseline={baseline}", "logger=none"])
    if baseline == "cft_pysr" and julia_executable() is None:
        with pytest.raises(EngineUnavailable, match="install Julia"):
            run_baseline(cfg, run_dir)
        return
    record = run_baseline(cfg, run_dir)
    assert record.kind == "baseline" and record.method == baseline
    assert np.isfinite(record.metrics[cfg.task.primary_metric])


def test_report_command_refuses_a_task_without_a_report(composed):
    from bench.report import run_report

    cfg, run_dir = composed(["experiment=qho_base"])
    with pytest.raises(SystemExit, match="declares no report"):
        run_report(cfg, run_dir)


@pytest.mark.parametrize("baseline", QHO_BASELINES)
def test_qho_baseline_matches_exact_state(baseline, composed):
    cfg, run_dir = composed(["experiment=qho_base", f"baseline={baseline}", "logger=none"])
    record = run_baseline(cfg, run_dir)
    assert record.kind == "baseline" and record.method == baseline
    assert record.metrics["density_mse"] < 1e-9
    assert record.timings["inference_per_sample"] > 0


def test_baseline_and_model_share_the_test_split(composed):
    cfg, run_dir = composed(["experiment=qho_base", "baseline=exact", "logger=none"])
    baseline = run_baseline(cfg, run_dir)
    cfg, run_dir = composed(["experiment=qho_base", "trainer.fast_dev_run=true", "logger=none"])
    assert run_training(cfg, Path(run_dir)).data_checksum == baseline.data_checksum


def test_nan_loss_stops_with_advice_and_keeps_a_checkpoint(composed, quick_qho):
    from tasks.nets import NonFiniteLossError

    cfg, run_dir = composed(
        [
            "experiment=qho_base",
            "logger=none",
            *quick_qho,
            "model.optim.lr=1e30",
            "model.optim.lr_final=1e30",
        ]
    )
    with pytest.raises(NonFiniteLossError, match=r"model\.optim\.lr"):
        run_training(cfg, run_dir)
    assert (run_dir / "checkpoints" / "interrupted.ckpt").is_file()
    assert not (run_dir / "result.json").exists()
