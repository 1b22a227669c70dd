"""Every task, experiment, model and baseline composes and runs on the CPU (``debug=smoke``),
driven by the task registry, so no config can rot and no list here needs keeping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from baselines.cft.pysr_engine import EngineUnavailable, julia_executable
from bench.baseline import run_baseline
from bench.train import run_training
from leaderboard.configs import CONF_DIR, compose, experiment_names
from leaderboard.record import load_record
from tasks.spec import get_task, task_names

TASKS = task_names()
EXPERIMENTS = experiment_names()
BASELINES = [(task, name) for task in TASKS for name in get_task(task).baselines]


def experiment_task(experiment: str) -> str:
    return compose([f"experiment={experiment}"]).task.name


def quick_experiment(task: str) -> str:
    """The task's experiment in the quick suite (its default experiment)."""
    from bench.suite import load_suite

    rows = [row for row in load_suite("quick") if row[0] == "train"]
    experiments = [arg.split("=", 1)[1] for row in rows for arg in row if arg.startswith("exp")]
    return next(e for e in experiments if experiment_task(e) == task)


def test_every_config_of_a_task_is_declared_by_its_spec():
    """Model and baseline files exist, are named by their stem, and belong to one task."""
    declared = {}
    for task in TASKS:
        spec = get_task(task)
        for group, names in (("model", spec.models), ("baseline", spec.baselines)):
            for name in names:
                cfg = compose([f"task={task}", f"{group}={name}"])
                assert cfg[group].name == name, f"conf/{group}/{name}.yaml: name must be {name}"
                assert declared.setdefault((group, name), task) == task
    for group in ("model", "baseline"):
        files = {p.stem for p in (CONF_DIR / group).glob("*.yaml")}
        assert files == {name for g, name in declared if g == group}, f"undeclared in {group}/"
        assert all(name.startswith(declared[(group, name)].split("_")[0]) for name in files)


@pytest.mark.parametrize("task", TASKS)
def test_task_composes_alone_with_its_defaults(task):
    spec = get_task(task)
    cfg = compose([f"task={task}"])
    assert cfg.task.name == task and cfg.model.name == spec.default_model
    cfg = compose([f"task={task}", f"baseline={spec.default_baseline}"])
    assert cfg.baseline.name == spec.default_baseline


def test_a_model_or_baseline_of_another_task_is_refused_with_the_valid_names(composed):
    cfg, run_dir = composed(["task=cft", "model=qho_pinn", "debug=smoke"])
    with pytest.raises(SystemExit, match=r"does not belong to task 'cft'; its models: cft_eql"):
        run_training(cfg, run_dir)
    cfg, run_dir = composed(["task=cft", "baseline=qho_exact", "debug=smoke"])
    with pytest.raises(SystemExit, match=r"its baselines: .*cft_rational"):
        run_baseline(cfg, run_dir)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_runs_in_smoke_mode(experiment, composed):
    cfg, run_dir = composed([f"experiment={experiment}", "debug=smoke"])
    record = run_training(cfg, run_dir)
    assert record.experiment == experiment
    assert np.isfinite(record.metrics[get_task(record.task).primary_metric])
    assert load_record(run_dir).content_hash == record.content_hash


@pytest.mark.parametrize(("task", "baseline"), BASELINES)
def test_every_baseline_runs_on_its_task_alone(task, baseline, composed):
    cfg, run_dir = composed([f"task={task}", f"baseline={baseline}", "debug=smoke"])
    if baseline == "cft_pysr" and julia_executable() is None:
        with pytest.raises(EngineUnavailable, match="install Julia"):
            run_baseline(cfg, run_dir)
        return
    record = run_baseline(cfg, run_dir)
    assert record.kind == get_task(task).kind_of(baseline) and record.method == baseline
    assert np.isfinite(record.metrics[get_task(task).primary_metric])


def test_training_writes_a_complete_record_and_figures(composed, quick_qho):
    cfg, run_dir = composed(["experiment=qho_base", "logger=csv", *quick_qho])
    record = run_training(cfg, run_dir)
    assert record.kind == "model" and record.method == "qho_pinn"
    assert record.timings["train"] > 0 and record.timings["train_steps"] == 4
    assert record.timings["inference_per_sample"] > 0
    assert len(record.split_id) == 64 and record.schema_version == 2
    assert record.config["model"]["optim"]["adam_steps"] == 3
    assert record.packages["torch"] != "not installed"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert (run_dir / "plots" / "density_xt_omega1.png").is_file()
    assert any((run_dir / "csv").rglob("metrics.csv"))


@pytest.mark.parametrize("task", TASKS)
def test_interrupted_training_resumes_from_checkpoint(task, composed, quick_qho):
    """A run stopped at step 2 of 4 resumes from its weights-only-loadable ``last.ckpt``."""
    shrink = quick_qho if task == "qho" else ["model.optim.total_steps=4"]
    base = [f"experiment={quick_experiment(task)}", "debug=smoke", *shrink]
    base += ["trainer.fast_dev_run=false"]
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


def test_report_command_refuses_a_task_without_a_report(composed):
    from bench.report import run_report

    cfg, run_dir = composed(["experiment=qho_base"])
    with pytest.raises(SystemExit, match="declares no report"):
        run_report(cfg, run_dir)


@pytest.mark.parametrize("baseline", ["qho_exact", "qho_split_operator"])
def test_qho_baseline_matches_exact_state(baseline, composed):
    cfg, run_dir = composed(["experiment=qho_base", f"baseline={baseline}", "logger=none"])
    record = run_baseline(cfg, run_dir)
    assert record.method == baseline
    assert record.metrics["density_mse"] < 1e-9
    assert record.timings["inference_per_sample"] > 0


def test_baseline_and_model_share_the_test_split(composed):
    cfg, run_dir = composed(["experiment=qho_base", "baseline=qho_exact", "logger=none"])
    baseline = run_baseline(cfg, run_dir)
    cfg, run_dir = composed(["experiment=qho_base", "trainer.fast_dev_run=true", "logger=none"])
    assert run_training(cfg, Path(run_dir)).split_id == baseline.split_id


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
