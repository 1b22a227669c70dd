"""Formulas of the draft (004_*.txt) and references, as functions of the system and time.

Transport coefficients for hop rate 1 to each neighbour: D = 1 for both models, σ = 2ρ for
independent walkers and σ = 2ρ(1 - ρ) for the SSEP. Continuum (MFT) results, with times in
units of the inverse hop rate and Q counted in particles:

- mean current of a step, ⟨Q(t)⟩ = (ρ_a - ρ_b) √(D t/π), the first cumulant of (34); the
  draft prints (37) as (ρ_a - ρ_b)/√t;
- two-time connected correlations at equilibrium, annealed (49) and quenched (48),
  ⟨Q(t1)Q(t2)⟩_c = σ/√(πD) · ½[√t1 + √t2 - √|t1-t2|]  and  σ/√(πD) · ½[√(t1+t2) - √|t1-t2|];
- (38), the annealed step version for σ = 2ρ: (ρ_a + ρ_b)/(2√π) · [√t1 + √t2 - √|t1-t2|];
- (34) at equal times, where every Ψ_k(t, …, t) = Ψ_1(t) = -√(t/π) and Σ_k C(n,k)(-1)^k = -1:
  κ_n(t) = (ρ_a + (-1)^n ρ_b) √(t/π) (the Poisson cumulants of independent walkers);
- literature reference (not in the draft): the annealed SSEP step of Derrida & Gerschenfeld,
  J. Stat. Phys. 136, 1 (2009): log⟨e^{λQ}⟩ = √(t/π) Σ_n (-1)^{n+1} ω^n / n^{3/2} with
  ω = ρ_a(e^λ - 1) + ρ_b(e^{-λ} - 1) + ρ_a ρ_b (e^λ - 1)(e^{-λ} - 1).

:data:`REGISTRY` lists each formula with the systems it claims to describe; the check
against simulation is :mod:`baselines.mft.check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from math import factorial

import numpy as np
from numpy.polynomial import polynomial as P

from baselines.mft import lattice


@dataclass(frozen=True)
class System:
    """A model (``walkers`` | ``ssep``), a setting (``annealed`` | ``quenched``) and a step."""

    model: str
    setting: str
    rho_a: float
    rho_b: float

    @property
    def equilibrium(self) -> bool:
        return self.rho_a == self.rho_b

    @property
    def deterministic(self) -> bool:
        """Annealed and quenched coincide (SSEP densities 0 or 1)."""
        return self.model == "ssep" and {self.rho_a, self.rho_b} <= {0.0, 1.0}


def sigma(model: str, rho: float) -> float:
    """Mobility σ(ρ): 2ρ (walkers), 2ρ(1 - ρ) (SSEP)."""
    if model == "walkers":
        return 2.0 * rho
    if model == "ssep":
        return 2.0 * rho * (1.0 - rho)
    raise ValueError(f"unknown model {model!r}; choose 'walkers' or 'ssep'")


def diffusivity(model: str, rho: float) -> float:
    """Diffusion coefficient D(ρ) = 1 for both models at hop rate 1."""
    sigma(model, rho)  # validates the model name
    return 1.0


def annealed_shape(t1, t2):
    """½[√t1 + √t2 - √|t1 - t2|]."""
    return 0.5 * (np.sqrt(t1) + np.sqrt(t2) - np.sqrt(np.abs(np.subtract(t1, t2))))


def quenched_shape(t1, t2):
    """½[√(t1 + t2) - √|t1 - t2|]."""
    return 0.5 * (np.sqrt(np.add(t1, t2)) - np.sqrt(np.abs(np.subtract(t1, t2))))


SHAPES = {"annealed": annealed_shape, "quenched": quenched_shape}


def two_time_mft(setting: str, sigma_value, d_value, t1, t2):
    """Equilibrium ⟨Q(t1)Q(t2)⟩_c of (49) (annealed) or (48) (quenched)."""
    return sigma_value / np.sqrt(np.pi * d_value) * SHAPES[setting](t1, t2)


def scaling_function(setting: str, sigma_value, d_value, r):
    """f(r) with ⟨Q(t1)Q(t2)⟩_c = √t2 f(t1/t2), 0 ≤ r ≤ 1."""
    return two_time_mft(setting, sigma_value, d_value, r, 1.0)


def mean_current_mft(rho_a: float, rho_b: float, d_value, t):
    """⟨Q(t)⟩ = (ρ_a - ρ_b) √(D t/π) (first cumulant of (34))."""
    return (rho_a - rho_b) * np.sqrt(d_value * np.asarray(t, float) / np.pi)


def ssep_annealed_cumulants(rho_a: float, rho_b: float, t, orders: int = 4) -> np.ndarray:
    """κ_1..κ_orders of Q(t) for the annealed SSEP step (Derrida–Gerschenfeld 2009), D = 1.

    Taylor coefficients of √(t/π) Σ_n (-1)^{n+1} ω(λ)^n / n^{3/2} by truncated power-series
    arithmetic; returns (orders, n_times).
    """
    k = np.arange(orders + 1)
    exp_plus = 1.0 / np.array([factorial(i) for i in k])
    exp_plus[0] = 0.0  # e^λ - 1
    exp_minus = exp_plus * (-1.0) ** k  # e^{-λ} - 1
    omega = rho_a * exp_plus + rho_b * exp_minus
    omega = P.polyadd(omega, rho_a * rho_b * P.polymul(exp_plus, exp_minus)[: orders + 1])
    series, power = np.zeros(orders + 1), np.array([1.0])
    for n in range(1, orders + 1):
        power = P.polymul(power, omega)[: orders + 1]
        series[: len(power)] += (-1) ** (n + 1) * power / n**1.5
    coefficients = series[1:] * np.array([factorial(i) for i in range(1, orders + 1)])
    return np.outer(coefficients, np.sqrt(np.asarray(t, float) / np.pi))


@dataclass(frozen=True)
class Formula:
    """One formula: a single-time cumulant of order ``order`` or the two-time ``corr``.

    ``value(system, t)`` (cumulants) or ``value(system, t1, t2)`` (corr) gives its prediction;
    ``applies(system)`` says which systems the source claims it for.
    """

    key: str
    source: str  # "draft as printed" | "draft, corrected" | "literature"
    statement: str
    observable: str  # "cumulant" | "corr"
    order: int
    applies: Callable[[System], bool]
    value: Callable[..., np.ndarray]


def _d(system: System) -> float:
    return diffusivity(system.model, 0.5 * (system.rho_a + system.rho_b))


def _equilibrium_corr(system: System, t1, t2):
    rho = system.rho_a
    return two_time_mft(system.setting, sigma(system.model, rho), _d(system), t1, t2)


def _eq34(order: int) -> Formula:
    return Formula(
        key=f"(34) n={order}, equal times",
        source="draft as printed",
        statement=f"κ_{order}(t) = (ρ_a {'+' if order % 2 == 0 else '-'} ρ_b) √(t/π)",
        observable="cumulant",
        order=order,
        applies=lambda s: s.setting == "annealed" or s.deterministic,
        value=lambda s, t: (s.rho_a + (-1) ** order * s.rho_b) * np.sqrt(np.asarray(t) / np.pi),
    )


def _dg(order: int) -> Formula:
    return Formula(
        key=f"DG09 κ_{order}",
        source="literature",
        statement=f"κ_{order} of the annealed SSEP step (Derrida–Gerschenfeld 2009)",
        observable="cumulant",
        order=order,
        applies=lambda s: s.model == "ssep" and (s.setting == "annealed" or s.deterministic),
        value=lambda s, t: ssep_annealed_cumulants(s.rho_a, s.rho_b, t, order)[order - 1],
    )


REGISTRY: tuple[Formula, ...] = (
    Formula(
        key="(37)",
        source="draft as printed",
        statement="⟨Q(t)⟩ = (ρ_a - ρ_b)/√t",
        observable="cumulant",
        order=1,
        applies=lambda s: not s.equilibrium,
        value=lambda s, t: (s.rho_a - s.rho_b) / np.sqrt(t),
    ),
    Formula(
        key="(37) corrected",
        source="draft, corrected",
        statement="⟨Q(t)⟩ = (ρ_a - ρ_b) √(D t/π)",
        observable="cumulant",
        order=1,
        applies=lambda s: not s.equilibrium,
        value=lambda s, t: mean_current_mft(s.rho_a, s.rho_b, _d(s), t),
    ),
    Formula(
        key="(38)",
        source="draft as printed",
        statement="⟨Q(t1)Q(t2)⟩_c = (ρ_a + ρ_b)/(2√π) [√t1 + √t2 - √|t2 - t1|]",
        observable="corr",
        order=2,
        applies=lambda s: s.setting == "annealed" or s.deterministic,
        value=lambda s, t1, t2: (s.rho_a + s.rho_b) / np.sqrt(np.pi) * annealed_shape(t1, t2),
    ),
    Formula(
        key="(49)",
        source="draft as printed",
        statement="⟨Q(t1)Q(t2)⟩_c = σ/√(πD) · ½[√t1 + √t2 - √|t1 - t2|]  (annealed)",
        observable="corr",
        order=2,
        applies=lambda s: s.equilibrium and s.setting == "annealed",
        value=_equilibrium_corr,
    ),
    Formula(
        key="(48)",
        source="draft as printed",
        statement="⟨Q(t1)Q(t2)⟩_c = σ/√(πD) · ½[√(t1 + t2) - √|t1 - t2|]  (quenched)",
        observable="corr",
        order=2,
        applies=lambda s: s.equilibrium and s.setting == "quenched",
        value=_equilibrium_corr,
    ),
    *(_eq34(order) for order in range(1, 5)),
    *(_dg(order) for order in range(1, 5)),
)


def _profile(system: System, t_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Sites wide enough for t_max and the mean initial occupations there."""
    x = lattice.sites(int(12 * np.sqrt(2 * t_max + 1) + 12))
    rho = lattice.step_profile(x, system.rho_a, system.rho_b)
    if system.setting == "quenched":
        return x, lattice.quenched_occupation(x, rho).astype(float)
    return x, rho


def _lattice_mean(system: System, t) -> np.ndarray:
    x, density = _profile(system, float(np.max(t)))
    return np.array([lattice.mean_current(s, x, density) for s in np.atleast_1d(t)])


@lru_cache(maxsize=16)
def _ssep_fixed_start(system: System, times: tuple[float, ...]) -> np.ndarray:
    """Exact covariance on ``times`` of the SSEP from its fixed (quenched) configuration."""
    half_width = lattice.box_half_width(max(times), 6.0)
    x = lattice.sites(half_width)
    occupation = lattice.quenched_occupation(x, lattice.step_profile(x, system.rho_a, system.rho_b))
    return lattice.ssep_fixed_start_covariance(occupation, half_width, np.array(times), dt=0.1)


def _lattice_corr(system: System, t1, t2) -> np.ndarray:
    pairs = list(zip(np.ravel(t1), np.ravel(t2), strict=True))
    if system.model == "ssep" and (system.setting == "quenched" or not system.equilibrium):
        times = tuple(sorted({float(t) for pair in pairs for t in pair}))
        covariance = _ssep_fixed_start(system, times)  # a fixed start (ρ ∈ {0, 1} if annealed)
        index = {t: k for k, t in enumerate(times)}
        values = [covariance[index[float(a)], index[float(b)]] for a, b in pairs]
    elif system.setting == "quenched":
        x, occupation = _profile(system, float(np.max(t2)))
        values = [
            lattice.quenched_walkers_covariance(x, occupation.astype(int), a, b) for a, b in pairs
        ]
    else:
        values = [
            lattice.annealed_covariance(system.model, system.rho_a, system.rho_b, a, b)
            for a, b in pairs
        ]
    return np.reshape(values, np.shape(t1))


# Exact lattice results (no continuum limit) that validate the simulators at every time.
LATTICE_REFERENCES: tuple[Formula, ...] = (
    Formula(
        key="lattice ⟨Q⟩",
        source="lattice exact",
        statement="⟨Q(t)⟩ from the walk propagator e^{-2t} I_n(2t) and the initial mean profile",
        observable="cumulant",
        order=1,
        applies=lambda s: True,
        value=_lattice_mean,
    ),
    Formula(
        key="lattice C",
        source="lattice exact",
        statement=(
            "⟨Q(t1)Q(t2)⟩_c = χ E[min(X_t1, X_t2)⁺] (annealed); Σ_y n_y Cov (fixed walkers); "
            "closed two-point equations (SSEP from a fixed configuration)"
        ),
        observable="corr",
        order=2,
        applies=lambda s: (
            s.model == "walkers" or s.setting == "quenched" or s.equilibrium or s.deterministic
        ),
        value=_lattice_corr,
    ),
)
