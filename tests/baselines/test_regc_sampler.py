"""REGC sampler: each move and the swaps leave the grand-canonical distribution invariant."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.regc.enumeration import enumerate_dos
from baselines.regc.lattice import K_B, LatticeGas, count_bonds
from baselines.regc.sampler import REGCSampler, RunSettings, run_regc

MODEL = LatticeGas((4, 4), 0.3, -0.1)


def exact_distribution(model: LatticeGas, temperature: float, mu: float) -> np.ndarray:
    """P(N, B) by enumeration."""
    dos = enumerate_dos(model).astype(float)
    n, b = np.indices(dos.shape)
    log_w = np.log(np.where(dos > 0, dos, 1.0)) - (model.energy(n, b) - mu * n) / (
        K_B * temperature
    )
    p = np.where(dos > 0, np.exp(log_w - log_w[dos > 0].max()), 0.0)
    return p / p.sum()


def sampled_distributions(sampler: REGCSampler, step, n_steps: int) -> np.ndarray:
    """Normalised (N, B) histograms of every state over ``n_steps`` calls of ``step``."""
    shape = (sampler.n_states, sampler.model.sites + 1, sampler.model.max_bonds + 1)
    histogram = np.zeros(shape)
    states = np.arange(sampler.n_states)
    for _ in range(n_steps):
        step()
        histogram[states, sampler.n_ads, sampler.bonds] += 1
    return histogram / n_steps


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


@pytest.mark.parametrize("move", ["flip", "hop_and_flip"])
def test_moves_sample_the_exact_distribution_of_a_4x4_lattice(move):
    """Every replica's (N, B) histogram converges to the enumeration result (both μ sides
    of half filling, two temperatures); a wrong acceptance rule fails by > 0.1."""
    temperature, mu = np.array([500.0, 900.0]), np.array([-0.25, 0.0])
    sampler = REGCSampler(MODEL, temperature, mu, seed=3)

    def step() -> None:
        sampler.flip_step(0)
        if move == "hop_and_flip":
            for _ in range(2):
                sampler.hop_step()
        sampler.flip_step(1)

    sampled = sampled_distributions(sampler, step, 4000)
    for state, (t, m) in enumerate([(t, m) for t in temperature for m in mu]):
        assert total_variation(sampled[state], exact_distribution(MODEL, t, m)) < 0.05


def test_hops_alone_conserve_n_and_sample_the_canonical_distribution():
    """Hops keep N fixed; at fixed N the B distribution is the canonical one."""
    sampler = REGCSampler(MODEL, np.array([600.0]), np.array([0.0]), seed=5)
    sampler.occupation[0, ::2] = 1  # 8 adsorbates
    sampler.recount()
    histogram = np.zeros(MODEL.max_bonds + 1)
    for _ in range(8000):
        sampler.hop_step()
        histogram[sampler.bonds[0]] += 1
    assert np.all(sampler.n_ads == 8)
    dos = enumerate_dos(MODEL)[8].astype(float)
    b = np.arange(dos.size)
    exact = dos * np.exp(MODEL.eps * b / (K_B * 600.0))
    assert total_variation(histogram / histogram.sum(), exact / exact.sum()) < 0.04


def test_swaps_leave_the_joint_distribution_invariant():
    """Start every replica from its exact distribution (configurations drawn by enumeration
    weights); after many swap steps each state's (N, B) histogram is still exact."""
    model = LatticeGas((2, 4), 0.3, -0.1)  # 256 configurations: exact draws are cheap
    temperature, mu = np.array([400.0, 800.0]), np.array([-0.3, -0.1, 0.1])
    sampler = REGCSampler(model, temperature, mu, seed=7)
    rng = np.random.default_rng(11)
    codes = np.arange(1 << model.sites)
    configs = ((codes[:, None] >> np.arange(model.sites)) & 1).astype(np.int8)
    n, b = configs.sum(1), count_bonds(configs.reshape(-1, *model.shape))
    weights = [np.exp(-(model.energy(n, b) - m * n) / (K_B * t)) for t in temperature for m in mu]
    histograms = np.zeros((sampler.n_states, model.sites + 1, model.max_bonds + 1))
    for _ in range(1500):
        for k, w in enumerate(weights):  # fresh exact draws: only the swaps act in between
            sampler.occupation[k] = configs[rng.choice(codes.size, p=w / w.sum())]
        sampler.recount()
        for _ in range(3):
            sampler.swap_step()
        histograms[np.arange(sampler.n_states), sampler.n_ads, sampler.bonds] += 1
    assert sampler.swap_accepted.sum() > 0.1 * sampler.swap_attempts.sum()
    for k, w in enumerate(weights):
        exact = np.zeros(histograms.shape[1:])
        np.add.at(exact, (n, b), w / w.sum())
        assert total_variation(histograms[k] / histograms[k].sum(), exact) < 0.06


def test_incremental_counts_match_a_recount():
    sampler = REGCSampler(LatticeGas((8, 4), 0.3, 0.1), np.array([450.0, 700.0]),
                          np.array([-0.6, -0.5]), seed=1)  # fmt: skip
    for _ in range(50):
        sampler.sweep(hop_steps=3)
        sampler.swap_step()
    n_ads, bonds = sampler.n_ads.copy(), sampler.bonds.copy()
    sampler.recount()
    np.testing.assert_array_equal(n_ads, sampler.n_ads)
    np.testing.assert_array_equal(bonds, sampler.bonds)


def test_interrupted_run_resumes_to_the_same_samples(tmp_path):
    temperature, mu = np.array([500.0, 800.0]), np.array([-0.3, 0.0])
    settings = dict(sweeps=300, equilibration=50, sample_interval=5, swap_interval=2,
                    hop_steps=1, checkpoint_interval=100)  # fmt: skip
    full = run_regc(MODEL, temperature, mu, RunSettings(**settings), seed=9, progress=False)
    checkpoint = tmp_path / "chain.npz"
    # a run stopped after its first checkpoint (the sweeps setting of the stopped run is 300
    # too: it is cut by raising inside the loop's second block)
    partial = RunSettings(**settings)
    from baselines.regc import sampler as module

    calls = {"n": 0}
    original = module.REGCSampler.swap_step

    def crash_after_first_block(self):
        calls["n"] += 1
        if calls["n"] > 60:  # block of 100 sweeps has 50 swap steps
            raise KeyboardInterrupt
        original(self)

    module.REGCSampler.swap_step = crash_after_first_block
    try:
        with pytest.raises(KeyboardInterrupt):
            run_regc(MODEL, temperature, mu, partial, seed=9, checkpoint=checkpoint, progress=False)
    finally:
        module.REGCSampler.swap_step = original
    assert checkpoint.is_file()
    resumed = run_regc(MODEL, temperature, mu, partial, seed=9, checkpoint=checkpoint,
                       progress=False)  # fmt: skip
    for key in ("n_ads", "bonds", "swap_attempts", "swap_accepted", "attempts", "accepted"):
        np.testing.assert_array_equal(resumed[key], full[key])


def test_bad_lattice_and_settings_are_explained():
    with pytest.raises(ValueError, match="even lattice"):
        REGCSampler(LatticeGas((3, 4), 0.3, 0.1), np.array([500.0]), np.array([0.0]), seed=0)
    with pytest.raises(ValueError, match="equilibration"):
        RunSettings(sweeps=10, equilibration=10, sample_interval=1, swap_interval=1,
                    hop_steps=0, checkpoint_interval=5)  # fmt: skip
