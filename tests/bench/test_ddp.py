"""``trainer=ddp``: data-parallel training over 2 CPU processes (gloo) reproduces the
one-process run of the FNO tasks at the same global batch and step count."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import RandomSampler

from bench.config import compose_run
from bench.train import run_training
from tasks.training import StepSampler

# Float32 sums of half batches and the all-reduce change the last bits of each gradient;
# measured: test metrics agree to 2e-8 (mean errors) and 1e-6 (maxima) after 40 steps.
RTOL = 1e-4

SMALL = {
    "ks_quick": ["task.systems.d=[0.0,4.0,2]", "task.split={train: 24, val: 4, test: 4}"],
    "tddft_quick": [
        "task.systems.n=14",
        "task.split={train: 8, val: 2, test: 4}",
        "model.optim.batch_size=8",
    ],
}


def test_ranks_together_take_the_one_process_batches():
    one = list(StepSampler(10, 4, 7, seed=3))
    generator = torch.Generator().manual_seed(3)
    assert one == list(RandomSampler(range(10), num_samples=28, generator=generator))
    shares = [list(StepSampler(10, 4, 7, seed=3, rank=r, world=2)) for r in (0, 1)]
    assert all(len(share) == 14 for share in shares)
    rebuilt = [i for k in range(7) for share in shares for i in share[2 * k : 2 * k + 2]]
    assert rebuilt == one


def test_a_batch_that_does_not_split_over_the_processes_is_refused():
    with pytest.raises(ValueError, match=r"multiple of trainer\.devices"):
        StepSampler(10, 5, 3, seed=0, rank=0, world=2)


@pytest.mark.parametrize("experiment", sorted(SMALL))
def test_two_processes_reproduce_one(experiment, tmp_path):
    common = [
        f"experiment={experiment}",
        "logger=none",
        "plots=false",
        "model.optim.total_steps=12",
        *SMALL[experiment],
    ]
    records = {
        trainer: run_training(*_composed([*common, f"trainer={trainer}"], tmp_path / trainer))
        for trainer in ("cpu", "ddp")
    }
    one, two = records["cpu"], records["ddp"]
    assert two.config["trainer"]["devices"] == 2
    assert two.timings["train_steps"] == 12  # rank 0's steps, returned to the main process
    for key, value in one.metrics.items():
        assert two.metrics[key] == pytest.approx(value, rel=RTOL), key


def _composed(overrides, run_dir):
    return compose_run(overrides, run_dir), run_dir
