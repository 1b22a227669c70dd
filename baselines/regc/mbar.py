"""MBAR analysis of REGC samples: free energies, class weights, expectations with uncertainties.

Each state k = (T_l, μ_m) of the replica grid has the reduced potential u_k(x) = β_k(E - μ_k N).
The time series of every state is decorrelated with ``pymbar.timeseries`` (statistical
inefficiency g of u_k and of N, the larger one; every g-th sample is kept), and ``pymbar.MBAR``
solves for the dimensionless free energies f_k = -ln Ξ_k + const. A sample n then carries the
MBAR weight w_n(T, μ) = e^{f(T, μ) - u_n(T, μ)} / Σ_k N_k e^{f_k - u_kn} in any state (T, μ).

Since u depends on a configuration only through (N, B), summing 1 / Σ_k N_k e^{f_k - u_kn} over
the samples of each (N, B) class gives MBAR's estimate of the density of states W[N, B] up to a
constant; :func:`baselines.regc.thermo.grid_thermodynamics` turns it into the estimates on a
fine (T, μ) grid at a cost independent of the number of samples. This is an exact rewriting of
MBAR's expectation formula (tested against ``MBAR.compute_expectations``); pymbar itself gives
the uncertainties, on the training grid and the replica states.

The same class structure is used to solve the MBAR equations: pymbar's solvers cost O(K·N) per
iteration and, from f = 0, fail or take minutes for 160 states and 10^4-10^5 samples (they do
not accept sample multiplicities), while the convex MBAR objective written over the ≤ (LM+1)(2LM+1)
distinct (N, B) classes is minimised by a trust-region Newton method (scipy) in a second.
pymbar then starts from that solution and confirms it (``MBAR(..., initial_f_k=...)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pymbar import MBAR, timeseries
from scipy.optimize import minimize
from scipy.special import logsumexp

from baselines.regc.lattice import LatticeGas, beta

GRADIENT_TOLERANCE = 1e-6  # largest |∂F/∂f_k| / N_k accepted as converged (pymbar polishes)
UNCERTAINTY_CHUNK = 64  # target states per pymbar expectation call (memory ~ N × (K + 2·chunk))
# pymbar's self-consistent/Newton iteration from the class solution (converges in a few steps)
POLISH = ({"method": "adaptive", "options": {"min_sc_iter": 0}},)
# what, besides the samples, MBAR's results depend on (keys cached analyses)
SETTINGS = {"gradient_tolerance": GRADIENT_TOLERANCE, "polish": POLISH}


def replica_states(temperature: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat (T_k, μ_k) of the replica grid ``temperature`` × ``mu``, state k = l·n_μ + m."""
    grid_t, grid_mu = np.meshgrid(
        np.asarray(temperature, float), np.asarray(mu, float), indexing="ij"
    )
    return grid_t.ravel(), grid_mu.ravel()


def statistical_inefficiency(series: np.ndarray) -> float:
    """pymbar's statistical inefficiency g ≥ 1 of a 1D series (1 for a constant series)."""
    series = np.asarray(series, float)
    if np.ptp(series) == 0:
        return 1.0
    return float(timeseries.statistical_inefficiency(series))


def decorrelate(
    chains: Sequence[tuple[np.ndarray, np.ndarray]],
    model: LatticeGas,
    beta_k: np.ndarray,
    mu_k: np.ndarray,
    max_per_state: int,
) -> dict[str, np.ndarray]:
    """Uncorrelated samples of every state, pooled over chains and ordered by state.

    Args:
        chains: per chain, (n_ads, bonds) samples of shape (n_samples, K).
        model: lattice and energies.
        beta_k, mu_k: the K states (1/eV, eV).
        max_per_state: cap on the kept samples per state and chain (evenly thinned).

    Returns:
        ``n_ads``, ``bonds`` (flat samples, the chains' integer dtype), ``n_k`` (samples per
        state) and ``g_k`` (largest statistical inefficiency of the state over the chains, in
        sampling intervals).
    """
    n_states = beta_k.size
    kept_n, kept_b = [[] for _ in range(n_states)], [[] for _ in range(n_states)]
    g_k = np.ones(n_states)
    for n_ads, bonds in chains:
        for k in range(n_states):
            n_series, b_series = n_ads[:, k].astype(float), bonds[:, k].astype(float)
            u = beta_k[k] * (model.energy(n_series, b_series) - mu_k[k] * n_series)
            g = max(statistical_inefficiency(u), statistical_inefficiency(n_series))
            g_k[k] = max(g_k[k], g)
            index = np.asarray(timeseries.subsample_correlated_data(u, g=g), int)
            if index.size > max_per_state:
                index = index[np.linspace(0, index.size - 1, max_per_state).round().astype(int)]
            kept_n[k].append(n_ads[index, k])
            kept_b[k].append(bonds[index, k])
    per_state = [np.concatenate(parts) for parts in kept_n]
    return {
        "n_ads": np.concatenate(per_state),
        "bonds": np.concatenate([np.concatenate(parts) for parts in kept_b]),
        "n_k": np.array([part.size for part in per_state]),
        "g_k": g_k,
    }


def solve_class_free_energies(u_km: np.ndarray, counts: np.ndarray, n_k: np.ndarray) -> np.ndarray:
    """MBAR free energies f_k (f_0 = 0) from distinct samples m with multiplicities c_m.

    Minimises the convex objective F(f) = Σ_m c_m ln Σ_k N_k e^{f_k - u_km} - Σ_k N_k f_k
    (Shirts & Chodera 2008, eq. 11 as a minimisation) with scipy's ``trust-exact``.

    Args:
        u_km: reduced potentials of the distinct samples in every state, shape (K, M).
        counts: multiplicities c_m, shape (M,).
        n_k: samples drawn from each state, shape (K,); every state needs at least one.
    """
    if np.any(n_k <= 0):
        raise ValueError("every state needs samples for MBAR; run the sampler longer")
    log_n, counts, n_k = np.log(n_k), np.asarray(counts, float), np.asarray(n_k, float)

    def weights(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = np.concatenate([[0.0], x])
        log_terms = log_n[:, None] + f[:, None] - u_km
        log_denominator = logsumexp(log_terms, axis=0)
        return f, log_denominator, np.exp(log_terms - log_denominator[None, :])

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        f, log_denominator, w = weights(x)
        return counts @ log_denominator - n_k @ f, (w @ counts - n_k)[1:]

    def hessian(x: np.ndarray) -> np.ndarray:
        _, _, w = weights(x)
        occupancy = w @ counts
        return (np.diag(occupancy) - (w * counts) @ w.T)[1:, 1:]

    result = minimize(
        objective, np.zeros(n_k.size - 1), jac=True, hess=hessian, method="trust-exact",
        options={"gtol": 1e-9 * n_k.max(), "maxiter": 1000},
    )  # fmt: skip
    # near the optimum the objective stops resolving steps; converged means a tiny gradient
    if np.max(np.abs(result.jac) / n_k[1:]) > GRADIENT_TOLERANCE:
        raise RuntimeError(f"MBAR equations did not converge: {result.message}")
    return np.concatenate([[0.0], result.x])


class LatticeMBAR:
    """pymbar.MBAR over the replica states, specialised to samples described by (N, B)."""

    def __init__(
        self,
        model: LatticeGas,
        temperature_k: np.ndarray,
        mu_k: np.ndarray,
        n_ads: np.ndarray,
        bonds: np.ndarray,
        n_k: np.ndarray,
    ) -> None:
        self.model = model
        self.beta_k, self.mu_k = beta(temperature_k), np.asarray(mu_k, float)
        self.n_ads, self.bonds = np.asarray(n_ads, float), np.asarray(bonds, float)
        self.energy = model.energy(self.n_ads, self.bonds)
        u_kn = self.reduced_potentials(temperature_k, mu_k)
        codes = self._class_codes()
        _, first, counts = np.unique(codes, return_index=True, return_counts=True)
        f_k = solve_class_free_energies(u_kn[:, first], counts, np.asarray(n_k))
        self.mbar = MBAR(u_kn, np.asarray(n_k), initial_f_k=f_k, solver_protocol=POLISH)

    def _class_codes(self) -> np.ndarray:
        """Index N·(2LM + 1) + B of every sample's (N, B) class."""
        return self.n_ads.astype(np.int64) * (self.model.max_bonds + 1) + self.bonds.astype(
            np.int64
        )

    def reduced_potentials(self, temperature: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """u_ln = β_l(E_n - μ_l N_n) of every sample in the states (T_l, μ_l)."""
        b = beta(temperature)[:, None]
        return b * (self.energy[None, :] - np.asarray(mu, float)[:, None] * self.n_ads[None, :])

    def free_energy_differences(self) -> tuple[np.ndarray, np.ndarray]:
        """f_k - f_0 and its uncertainty (pymbar), dimensionless."""
        result = self.mbar.compute_free_energy_differences()
        return result["Delta_f"][0], result["dDelta_f"][0]

    def overlap(self) -> tuple[np.ndarray, float]:
        """Overlap matrix O_ij of the states and its scalar (1 - second largest eigenvalue)."""
        result = self.mbar.compute_overlap()
        return result["matrix"], float(result["scalar"])

    def class_log_weights(self) -> np.ndarray:
        """ln W[N, B] = ln Σ_{n ∈ (N, B)} 1 / Σ_k N_k e^{f_k - u_kn}; -inf for unsampled classes."""
        log_denominator = logsumexp(
            self.mbar.f_k[None, :] - self.mbar.u_kn.T, b=self.mbar.N_k[None, :], axis=1
        )
        n_bonds = self.model.max_bonds + 1
        codes = self._class_codes()
        order = np.argsort(codes, kind="stable")
        unique, starts = np.unique(codes[order], return_index=True)
        values = -log_denominator[order]
        peak = np.maximum.reduceat(values, starts)
        sums = np.add.reduceat(
            np.exp(values - np.repeat(peak, np.diff([*starts, values.size]))), starts
        )
        log_weight = np.full((self.model.sites + 1, n_bonds), -np.inf)
        log_weight.reshape(-1)[unique] = peak + np.log(sums)
        return log_weight

    def expectations(self, temperature: np.ndarray, mu: np.ndarray) -> dict[str, np.ndarray]:
        """Per-site ⟨N⟩/LM and ⟨E⟩/LM with pymbar's uncertainties at the states (T_l, μ_l)."""
        temperature, mu = np.asarray(temperature, float), np.asarray(mu, float)
        observables = {"coverage": self.n_ads, "energy": self.energy}
        out = {f"{name}{suffix}": np.empty(temperature.size) for name in observables
               for suffix in ("", "_sigma")}  # fmt: skip
        for start in range(0, temperature.size, UNCERTAINTY_CHUNK):
            part = slice(start, start + UNCERTAINTY_CHUNK)
            u_ln = self.reduced_potentials(temperature[part], mu[part])
            for name, values in observables.items():
                with np.errstate(divide="ignore"):  # pymbar takes ln(A - min A) = ln 0 at N = 0
                    result = self.mbar.compute_expectations(values / self.model.sites, u_kn=u_ln)
                out[name][part], out[f"{name}_sigma"][part] = result["mu"], result["sigma"]
        return out
