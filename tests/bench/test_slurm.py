"""On a real SLURM cluster (``.ci/slurm-up``; ``SLURM_CONF`` names it): an ablation submitted by
the submitit launcher through ``sbatch`` and aggregated. Under CI a cluster that is missing or
down fails these tests with the daemons' logs; elsewhere they are skipped without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from baselines.parallel import map_systems, stack_results

pytestmark = pytest.mark.slurm


@pytest.fixture(scope="module")
def slurm() -> Path:
    """The cluster's ``slurm.conf`` once ``sinfo`` answers (else fail under CI, or skip)."""
    conf = os.environ.get("SLURM_CONF")
    if not conf:
        if os.environ.get("CI"):
            pytest.fail("CI runs the SLURM tests: export SLURM_CONF=$(.ci/slurm-up)")
        pytest.skip("no SLURM cluster (SLURM_CONF unset; run .ci/slurm-up)")
    answer = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    up = any(state in answer.stdout for state in ("idle", "mix", "alloc"))
    if answer.returncode != 0 or not up:
        logs = "\n".join(
            f"--- {log}\n{log.read_text()[-3000:]}"
            for log in sorted(Path(conf).parent.glob("*.log"))
        )
        pytest.fail(f"SLURM cluster unavailable: {answer.stdout}{answer.stderr}\n{logs}")
    return Path(conf)


def test_ablation_runs_as_a_slurm_job_array(scratch_root, slurm):
    command = [
        sys.executable, "-m", "bench.cli", "ablate", "ablation=qho_lambda",
        "ablation.grid={model.loss_weights.pde: [0, 1]}", "ablation.seeds=[0,1]",
        "debug=smoke", "hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=scratch_root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    (sweep_dir,) = (scratch_root / "multirun" / "ablation_qho_lambda").iterdir()
    scripts = list((sweep_dir / ".submitit").rglob("*_submission.sh"))
    assert scripts and "#SBATCH --array=0-3" in scripts[0].read_text()
    table = (sweep_dir / "aggregate.md").read_text().splitlines()
    assert table[0].startswith("| model.loss_weights.pde | seeds | density_mse")
    assert [row.split("|")[1:3] for row in table[2:]] == [[" 0 ", " 2 "], [" 1 ", " 2 "]]


def test_suite_runs_its_jobs_as_slurm_jobs(scratch_root, slurm):
    """``suite hydra/launcher=slurm``: each row is its own job; summary and board as locally."""
    suite_file = scratch_root / "pair.yaml"
    suite_file.write_text(
        "runs:\n  - [train, experiment=qho_base]\n"
        "  - [baseline, experiment=qho_base, baseline=qho_split_operator]\n"
    )
    command = [
        sys.executable, "-m", "bench.cli", "suite", f"suite={suite_file}", "logger=none",
        "model.optim.adam_steps=3", "model.optim.lbfgs_steps=1", "model.optim.lbfgs_max_iter=3",
        "hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=scratch_root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2/2 jobs finished" in done.stdout and "rejected" not in done.stdout
    (suite_dir,) = (scratch_root / "outputs" / "suite" / "pair").iterdir()
    scripts = sorted((suite_dir / ".submitit").rglob("*_submission.sh"))
    assert len(scripts) == 2 and all("#SBATCH --cpus-per-task=1" in s.read_text() for s in scripts)
    assert "| qho / qho_base | density_mse ↓ | 1 | qho_split_operator |" in done.stdout


def cube(x: float) -> dict[str, np.ndarray]:
    return {"y": np.array([x**3])}


def test_parallel_map_runs_as_a_slurm_job_array(tmp_path, slurm, monkeypatch):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    monkeypatch.setenv("EXACTBENCH_EXECUTOR", "slurm")
    monkeypatch.setenv("EXACTBENCH_SYSTEMS_PER_JOB", "2")
    parts = tmp_path / "parts"
    results = map_systems(cube, [1.0, 2.0, 3.0, 4.0, 5.0], description="cube", parts_dir=parts)
    assert stack_results(results)["y"][:, 0].tolist() == [1.0, 8.0, 27.0, 64.0, 125.0]
    scripts = list((parts / ".submitit").rglob("*_submission.sh"))
    assert scripts and "#SBATCH --array=0-2" in scripts[0].read_text()


TRAIN = [
    "experiment=qho_base", "debug=smoke", "trainer.fast_dev_run=false",
    "trainer.deterministic=true", "trainer.enable_progress_bar=false",
    "model.optim.adam_steps=1500", "model.optim.lbfgs_steps=0",
    "callbacks.on_exception_checkpoint._target_=bench.preemption.PreemptionCheckpoint",
]  # fmt: skip


def _squeue(*fields: str) -> list[list[str]]:
    """``squeue`` rows of the given format fields (e.g. ``%i`` job id, ``%t`` state)."""
    out = subprocess.run(["squeue", "-h", "-o", " ".join(fields)], capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()]


def test_preempted_job_is_requeued_and_resumes_at_its_step(scratch_root, slurm):
    """submitit's warning signal mid-training: checkpoint, requeue, the same run finishes."""
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    whole = scratch_root / "whole"
    train = [sys.executable, "-m", "bench.cli", "train"]
    subprocess.run([*train, *TRAIN, f"hydra.run.dir={whole}"], env=env, check=True, timeout=600)
    launcher = ["hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1", "seed=0"]
    sweep_dir = scratch_root / "multirun"
    job = subprocess.Popen(
        [*train, "-m", *TRAIN, *launcher, f"hydra.sweep.dir={sweep_dir}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not (sweep_dir / "0" / "checkpoints" / "last.ckpt").exists():
        assert time.monotonic() < deadline and job.poll() is None, job.communicate()[0]
        time.sleep(0.1)
    ((job_id,),) = _squeue("%i")
    subprocess.run(["scancel", "--signal=USR2", job_id], check=True)  # submitit's signal
    while _squeue("%t") != [["PD"]]:  # requeued
        assert time.monotonic() < deadline and job.poll() is None, job.communicate()[0]
        time.sleep(0.1)
    output = job.communicate(timeout=600)[0]
    assert job.returncode == 0, output
    record = json.loads((sweep_dir / "0" / "result.json").read_text())
    reference = json.loads((whole / "result.json").read_text())
    assert 0 < record["timings"]["train_steps"] < 1500  # resumed, not restarted
    assert record["metrics"]["density_mse"] == pytest.approx(
        reference["metrics"]["density_mse"], rel=1e-6
    )
