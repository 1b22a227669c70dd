"""Grand-canonical thermodynamics of the lattice gas from weights of its (N, B) classes.

Both references reduce to a table ln W[N, B]: the exact density of states ln g(N, B) (transfer
matrix, enumeration) or MBAR's estimate of it (Σ over the samples of a class of their MBAR
weights, :mod:`baselines.regc.mbar`). At any (T, μ), with E = -ε0 N - ε B,

    ln Ξ = ln Σ_{N,B} W[N, B] e^{-β(E - μN)},      P(N) = Σ_B W e^{-β(E - μN)} / Ξ,

and per site (L·M sites): coverage θ = ⟨N⟩/LM, energy ⟨E⟩/LM (eV), heat capacity
C = β²(⟨E²⟩ - ⟨E⟩²)/LM (k_B; the seed's C_v, equal to ∂⟨E⟩/∂T at fixed βμ),
susceptibility χ = ∂θ/∂μ|_T = β(⟨N²⟩ - ⟨N⟩²)/LM (1/eV), grand potential βΩ/LM = -ln Ξ/LM
(absolute for g, up to a constant for MBAR) and the dominant coverage argmax_N P(N)/LM.
Variances are accumulated as within-N plus between-N parts, so they stay accurate where they
are many orders below ⟨E⟩².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

from baselines.regc.lattice import LatticeGas, beta

QUANTITIES = (
    "coverage",
    "energy",
    "heat_capacity",
    "susceptibility",
    "beta_omega",
    "dominant_coverage",
)


def grid_thermodynamics(
    log_weight: np.ndarray,
    model: LatticeGas,
    temperature: Sequence[float],
    mu: Sequence[float],
    with_log_pn: bool = False,
) -> dict[str, np.ndarray]:
    """Per-site quantities (see module docstring) on the grid ``temperature`` × ``mu``.

    Args:
        log_weight: ln W[N, B], shape (LM + 1, 2LM + 1); -inf marks empty classes.
        model: lattice and energies.
        temperature: temperatures (K), shape (n_T,).
        mu: chemical potentials (eV), shape (n_μ,).
        with_log_pn: also return ``log_pn``, ln P(N) of shape (n_T, n_μ, LM + 1).

    Returns:
        Arrays of shape (n_T, n_μ) named as in ``QUANTITIES`` (and ``log_pn``).
    """
    log_weight = np.asarray(log_weight, float)
    expected = (model.sites + 1, model.max_bonds + 1)
    if log_weight.shape != expected:
        raise ValueError(f"log_weight has shape {log_weight.shape}; {model.shape} needs {expected}")
    temperature, mu = np.asarray(temperature, float), np.asarray(mu, float)
    n_ads = np.arange(expected[0], dtype=float)
    bonds = np.arange(expected[1], dtype=float)
    shape = (temperature.size, mu.size)
    out = {name: np.empty(shape) for name in QUANTITIES}
    if with_log_pn:
        out["log_pn"] = np.full((*shape, expected[0]), -np.inf)
    populated = np.isfinite(log_weight).any(axis=1)  # N classes present at all
    for i, b in enumerate(beta(temperature)):
        # within each N: the B distribution at this β (independent of μ)
        exponent = log_weight[populated] + b * model.eps * bonds
        log_q = logsumexp(exponent, axis=1)
        p_bonds = np.exp(exponent - log_q[:, None])
        mean_b = p_bonds @ bonds
        var_b = np.einsum("nb,nb->n", p_bonds, (bonds - mean_b[:, None]) ** 2)
        counts = n_ads[populated]
        log_q = log_q + b * model.eps0 * counts
        energy_n = -model.eps0 * counts - model.eps * mean_b
        # across N: P(N) at every μ
        log_p = log_q[None, :] + b * mu[:, None] * counts[None, :]
        log_xi = logsumexp(log_p, axis=1)
        log_p -= log_xi[:, None]
        p = np.exp(log_p)
        mean_n = p @ counts
        mean_e = p @ energy_n
        var_n = np.einsum("mn,mn->m", p, (counts[None, :] - mean_n[:, None]) ** 2)
        var_e = p @ (model.eps**2 * var_b) + np.einsum(
            "mn,mn->m", p, (energy_n[None, :] - mean_e[:, None]) ** 2
        )
        out["coverage"][i] = mean_n / model.sites
        out["energy"][i] = mean_e / model.sites
        out["heat_capacity"][i] = b**2 * var_e / model.sites
        out["susceptibility"][i] = b * var_n / model.sites
        out["beta_omega"][i] = -log_xi / model.sites
        out["dominant_coverage"][i] = counts[np.argmax(log_p, axis=1)] / model.sites
        if with_log_pn:
            out["log_pn"][i][:, populated] = log_p
    return out
