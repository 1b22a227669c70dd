"""Shared fixtures: every test runs in a scratch root with W&B offline and no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.config import compose_run
from leaderboard.configs import register_resolvers


@pytest.fixture(autouse=True)
def scratch_root(tmp_path, monkeypatch):
    """Outputs, data caches and W&B files of a test go to its own temporary directory."""
    monkeypatch.setenv("EXACTBENCH_ROOT", str(tmp_path))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    register_resolvers()
    return tmp_path


@pytest.fixture
def quick_qho():
    """Overrides that shrink a qho run to seconds: 3 Adam + 1 short L-BFGS steps, coarse grid."""
    return [
        "model.optim.adam_steps=3",
        "model.optim.lbfgs_steps=1",
        "model.optim.lbfgs_max_iter=3",
        "task.test.nt=5",
    ]


@pytest.fixture
def composed(tmp_path):
    """``composed(overrides) -> (cfg, run_dir)`` with Hydra's runtime pointing at tmp_path."""

    def _compose(overrides):
        run_dir = tmp_path / "run"
        return compose_run(overrides, run_dir), run_dir

    return _compose


@pytest.fixture
def heat(monkeypatch):
    """The heat-equation task of ``tests/heat_task``, registered from test code only."""
    from tasks.spec import register, unregister

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    from heat_task.spec import SPEC

    register(SPEC)
    yield SPEC
    unregister(SPEC.name)
