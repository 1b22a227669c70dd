"""A tiny simulated mft split shared by the task's tests (built once per session, in memory)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tasks.mft.data import MFTDataModule
from tasks.splits import Split

TINY_CASES = [
    {"name": f"{model}_{setting}", "model": model, "setting": setting, "rho": 0.5,
     "step": [1.0, 0.0], "samples": 600, "step_samples": 600}
    for model in ("walkers", "ssep")
    for setting in ("annealed", "quenched")
]  # fmt: skip
TINY_SIMULATION = {"times": [1.0, 4.0, 9.0], "box_sigmas": 5, "batch": 300, "jackknife_groups": 20}


def tiny_module(
    cases: Sequence[Mapping[str, Any]] = TINY_CASES,
    cache_dir: str | None = None,
    data_seed: int = 7,
    seed: int = 0,
) -> MFTDataModule:
    """A data module of ``cases`` on the tiny simulation (3 training steps, 21 r points)."""
    return MFTDataModule(cases, TINY_SIMULATION, 21, data_seed, 3, cache_dir, seed)


@pytest.fixture(scope="session")
def tiny_split() -> Split:
    """The :class:`~tasks.splits.Split` of 4 cases (600 samples per system, t ≤ 9)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EXACTBENCH_WORKERS", "1")
    try:
        return tiny_module().test_split()
    finally:
        mp.undo()
