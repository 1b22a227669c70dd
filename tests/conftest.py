"""Shared fixtures: every test runs in a scratch root with W&B offline and no network."""

from __future__ import annotations

import pytest

from bench.config import register_resolvers


@pytest.fixture(autouse=True)
def scratch_root(tmp_path, monkeypatch):
    """Outputs, data caches and W&B files of a test go to its own temporary directory."""
    monkeypatch.setenv("EXACTBENCH_ROOT", str(tmp_path))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    register_resolvers()
    return tmp_path
