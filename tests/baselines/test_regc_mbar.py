"""MBAR over REGC samples: class solution and class weights equal pymbar; estimates vs exact."""

from __future__ import annotations

import numpy as np
import pytest
from pymbar import MBAR

from baselines.regc.enumeration import enumerate_dos
from baselines.regc.lattice import LatticeGas, beta
from baselines.regc.mbar import (
    LatticeMBAR,
    decorrelate,
    replica_states,
    statistical_inefficiency,
)
from baselines.regc.sampler import REGCSampler, RunSettings, run_regc
from baselines.regc.thermo import grid_thermodynamics

MODEL = LatticeGas((4, 4), 0.3, -0.1)
TEMPERATURE, MU = np.array([450.0, 650.0, 950.0]), np.array([-0.4, -0.1, 0.2])


@pytest.fixture(scope="module")
def analysed():
    settings = RunSettings(sweeps=3000, equilibration=300, sample_interval=2, swap_interval=1,
                           hop_steps=1, checkpoint_interval=3000)  # fmt: skip
    run = run_regc(MODEL, TEMPERATURE, MU, settings, seed=4, progress=False)
    state_t, state_mu = replica_states(TEMPERATURE, MU)
    samples = decorrelate([(run["n_ads"], run["bonds"])], MODEL, beta(state_t), state_mu, 400)
    mbar = LatticeMBAR(MODEL, state_t, state_mu, samples["n_ads"], samples["bonds"], samples["n_k"])
    return mbar, samples, state_t, state_mu


def test_states_and_samples_follow_the_sampler(analysed):
    """State k = l·n_μ + m as in the sampler; kept samples are the chain's integers."""
    _, samples, state_t, state_mu = analysed
    sampler = REGCSampler(MODEL, TEMPERATURE, MU, seed=0)
    np.testing.assert_allclose(beta(state_t), sampler.beta_k, rtol=1e-15)
    np.testing.assert_array_equal(state_mu, sampler.mu_k)
    assert samples["n_ads"].dtype == samples["bonds"].dtype == np.int16
    assert samples["n_k"].sum() == samples["n_ads"].size


def test_class_solution_equals_pymbar_from_scratch(analysed):
    mbar, samples, state_t, state_mu = analysed
    plain = MBAR(mbar.reduced_potentials(state_t, state_mu), samples["n_k"])
    np.testing.assert_allclose(mbar.mbar.f_k, plain.f_k, atol=1e-6)


def test_class_weights_reproduce_pymbar_expectations_at_new_states(analysed):
    mbar, *_ = analysed
    t, mu = np.array([500.0, 800.0]), np.array([-0.25, 0.05])
    ours = grid_thermodynamics(mbar.class_log_weights(), MODEL, t, mu)
    reference = mbar.expectations(np.repeat(t, 2), np.tile(mu, 2))
    np.testing.assert_allclose(ours["coverage"].ravel(), reference["coverage"], rtol=1e-9)
    np.testing.assert_allclose(ours["energy"].ravel(), reference["energy"], rtol=1e-9)
    assert np.all(reference["coverage_sigma"] > 0)


def test_estimates_agree_with_the_exact_reference_within_uncertainty(analysed):
    mbar, _, state_t, state_mu = analysed
    with np.errstate(divide="ignore"):
        exact = grid_thermodynamics(np.log(enumerate_dos(MODEL)), MODEL, TEMPERATURE, MU)
    at_states = mbar.expectations(state_t, state_mu)
    z = (at_states["coverage"] - exact["coverage"].ravel()) / at_states["coverage_sigma"]
    assert np.max(np.abs(z)) < 4.5
    delta_f, d_delta_f = mbar.free_energy_differences()
    beta_omega = exact["beta_omega"].ravel()
    exact_f = MODEL.sites * (beta_omega - beta_omega[0])  # f_k = -ln Ξ_k + const
    assert np.max(np.abs(delta_f - exact_f)[1:] / d_delta_f[1:]) < 4.5


def test_overlap_matrix_is_stochastic(analysed):
    mbar, *_ = analysed
    overlap, scalar = mbar.overlap()
    np.testing.assert_allclose(overlap.sum(axis=1), 1.0, atol=1e-10)
    assert 0 < scalar <= 1


def test_constant_series_has_unit_statistical_inefficiency():
    assert statistical_inefficiency(np.full(100, 3.0)) == 1.0
    rng = np.random.default_rng(0)
    correlated = np.repeat(rng.normal(size=500), 10)  # blocks of 10 identical values
    assert statistical_inefficiency(correlated) > 5
