"""Headline targets at full scale (slow: minutes each; run with ``pytest -m slow``)."""

from __future__ import annotations

import pytest

from bench.train import run_training


@pytest.mark.slow
def test_qho_base_reaches_density_mse_1e6(composed):
    cfg, run_dir = composed(["experiment=qho_base", "logger=none", "plots=false"])
    assert run_training(cfg, run_dir).metrics["density_mse"] <= 1e-6
