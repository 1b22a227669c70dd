"""Preemption: a real signal mid-training → checkpoint → the same command resumes at that step."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import lightning as L
import pytest
import torch
from lightning.pytorch.demos.boring_classes import BoringModel

from bench.loggers import persistent_run_id
from bench.preemption import PreemptionCheckpoint

STEPS = 1500
TRAIN = [
    "experiment=qho_base", "debug=smoke", "trainer.fast_dev_run=false",
    "trainer.deterministic=true", "trainer.enable_progress_bar=false",
    f"model.optim.adam_steps={STEPS}", "model.optim.lbfgs_steps=0",
    "callbacks.on_exception_checkpoint._target_=bench.preemption.PreemptionCheckpoint",
]  # fmt: skip


def _train(run_dir, root) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "train", *TRAIN, f"hydra.run.dir={run_dir}"],
        cwd=root, env=os.environ | {"OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _metrics(run_dir) -> tuple[dict, dict]:
    record = json.loads((run_dir / "result.json").read_text())
    return record["metrics"], record["timings"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """Metrics of the same training without a signal."""
    root = tmp_path_factory.mktemp("whole")
    env = {"EXACTBENCH_ROOT": str(root), "WANDB_MODE": "offline"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "train", *TRAIN, f"hydra.run.dir={root / 'run'}"],
        cwd=root, env=os.environ | env | {"OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert process.wait(timeout=600) == 0
    return _metrics(root / "run")[0]


@pytest.mark.parametrize("signum", [signal.SIGUSR1, signal.SIGTERM])
def test_signal_checkpoints_and_the_rerun_resumes_at_that_step(scratch_root, uninterrupted, signum):
    cut = scratch_root / "cut"
    process = _train(cut, scratch_root)
    first = cut / "checkpoints" / "last.ckpt"  # written after a tenth of the steps
    deadline = time.monotonic() + 300
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signum)
    output = process.communicate(timeout=300)[0]
    assert process.returncode != 0, output
    stopped = torch.load(cut / "checkpoints" / "interrupted.ckpt", weights_only=False)
    assert 0 < stopped["global_step"] < STEPS, output
    assert not (cut / "result.json").exists()

    resumed = _train(cut, scratch_root)
    output = resumed.communicate(timeout=600)[0]
    assert resumed.returncode == 0, output
    metrics, timings = _metrics(cut)
    assert timings["train_steps"] == STEPS - stopped["global_step"]  # not restarted, not doubled
    # Same data and seed, Adam resumes with its state: equal to float32 rounding (measured: 0).
    assert metrics["density_mse"] == pytest.approx(uninterrupted["density_mse"], rel=1e-6)


def test_run_id_is_kept_in_the_run_directory(tmp_path):
    run_id = persistent_run_id(tmp_path / "run")
    assert run_id == persistent_run_id(tmp_path / "run")
    assert run_id != persistent_run_id(tmp_path / "other")


def test_signal_handlers_are_the_original_ones_after_the_training(tmp_path):
    """After fit, SIGTERM must end the process again (prediction and scoring follow)."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGUSR1)}
    trainer = L.Trainer(
        max_steps=2, callbacks=[PreemptionCheckpoint(tmp_path)], logger=False,
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )  # fmt: skip
    trainer.fit(BoringModel())
    assert {signum: signal.getsignal(signum) for signum in before} == before
