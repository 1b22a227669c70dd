"""A tiny simulated mft split shared by the task's tests (built once per session, in memory)."""

from __future__ import annotations

import pytest

TINY_CASES = [
    {"name": f"{model}_{setting}", "model": model, "setting": setting, "rho": 0.5,
     "step": [1.0, 0.0], "samples": 600, "step_samples": 600}
    for model in ("walkers", "ssep")
    for setting in ("annealed", "quenched")
]  # fmt: skip
TINY_SIMULATION = {"times": [1.0, 4.0, 9.0], "box_sigmas": 5, "batch": 300, "jackknife_groups": 20}


@pytest.fixture(scope="session")
def tiny_split():
    """Arrays of a 4-case split (600 samples per system, t ≤ 9), simulated in this process."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EXACTBENCH_WORKERS", "1")
    from tasks.mft.data import build_split

    try:
        return build_split(TINY_CASES, TINY_SIMULATION, 21, data_seed=7, parts_dir=None)
    finally:
        mp.undo()
