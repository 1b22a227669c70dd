"""Headline targets at full scale (slow: minutes each; run with ``pytest -m slow``)."""

from __future__ import annotations

import pytest

from bench.train import run_training


@pytest.mark.slow
def test_qho_base_reaches_density_mse_1e6(composed):
    cfg, run_dir = composed(["experiment=qho_base", "logger=none", "plots=false"])
    assert run_training(cfg, run_dir).metrics["density_mse"] <= 1e-6


@pytest.mark.slow
def test_separable_pinn_in_2d_reaches_density_mse_1e7(composed):
    """qho_2d_spinn by steps rather than its 10-minute cap (142 L-BFGS steps fitted in it)."""
    overrides = ["trainer.max_time=null", "model.optim.lbfgs_steps=150"]
    cfg, run_dir = composed(["experiment=qho_2d_spinn", "logger=none", "plots=false", *overrides])
    assert run_training(cfg, run_dir).metrics["density_mse"] <= 1e-7


@pytest.mark.slow
@pytest.mark.parametrize("experiment", ["cft_c_minimal", "cft_c_wzw", "cft_h_wzw"])
def test_equation_learner_recovers_the_formula_exactly(composed, experiment):
    cfg, run_dir = composed([f"experiment={experiment}", "logger=none", "plots=false"])
    assert run_training(cfg, run_dir).metrics["exact"] == 1
