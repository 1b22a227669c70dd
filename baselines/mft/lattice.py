"""Exact lattice quantities of the models on Z (hop rate 1 to each neighbour, so D = 1).

A single particle performs the continuous-time walk X_t with jump rate 1 to each side; its
propagator is p_n(t) = e^{-2t} I_|n|(2t) (modified Bessel function, ``scipy.special.ive``).
Both models relax their mean occupations with this propagator, which gives exact lattice
values (no continuum limit) for the mean current of any initial profile, and, for annealed
initial states, for the two-time current covariance:

    ⟨Q(t)⟩ = Σ_{y≤0} ρ̄_y P(X_t ≥ 1 - y) - Σ_{y≥1} ρ̄_y P(X_t ≤ -y),
    ⟨Q(t1)Q(t2)⟩_c = χ · S(t1, t2),   S = E[min(X_t1, X_t2)⁺] = Σ_{m≥1} P(X_t1 ≥ m, X_t2 ≥ m),

with χ = ρ_a + ρ_b for Poisson walkers (any step) and χ = 2ρ(1-ρ) for the SSEP in Bernoulli
equilibrium (its two-time density correlation is ρ(1-ρ) p_{y-x}(t) by duality). For a fixed
(quenched) configuration of walkers the covariance is Σ_y n_y Cov(1_y(t1), 1_y(t2)) of the
crossing indicators. These are the references the simulators are tested against.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ive

MODELS = ("walkers", "ssep")
SETTINGS = ("annealed", "quenched")


def sites(half_width: int) -> np.ndarray:
    """Sites -half_width+1 .. half_width of the box; the bond (0, 1) is at its centre."""
    if half_width < 1:
        raise ValueError(f"half_width must be a positive number of sites, got {half_width}")
    return np.arange(-half_width + 1, half_width + 1)


def step_profile(x: np.ndarray, rho_a: float, rho_b: float) -> np.ndarray:
    """Step density ρ_a for x ≤ 0 and ρ_b for x ≥ 1."""
    return np.where(x <= 0, float(rho_a), float(rho_b))


def quenched_occupation(x: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """A fixed configuration of local density ρ: n_x = ⌊(x+1)ρ⌋ - ⌊xρ⌋ particles on site x.

    For ρ = 1/2 every odd site is occupied, for ρ = 1 every site, for ρ = 0 none.
    """
    return (np.floor((x + 1) * rho) - np.floor(x * rho)).astype(np.int64)


def box_half_width(t_max: float, sigmas: float) -> int:
    """Half-width ⌈sigmas·√(2 t_max)⌉ (sites): ``sigmas`` walk standard deviations at t_max."""
    return int(np.ceil(sigmas * np.sqrt(2.0 * t_max)))


def walk_pmf(t: float, n_max: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sites n = -n_max..n_max and the propagator p_n(t) = e^{-2t} I_|n|(2t)."""
    if n_max is None:
        n_max = int(12 * np.sqrt(2 * t + 1) + 12)
    n = np.arange(-n_max, n_max + 1)
    return n, ive(np.abs(n), 2.0 * t)


def positive_part_mean(t: np.ndarray | float) -> np.ndarray:
    """E[X_t⁺] = t e^{-2t}[I_0(2t) + I_1(2t)] (→ √(t/π)(1 - 1/(16t)) at large t)."""
    t = np.asarray(t, float)
    return t * (ive(0, 2 * t) + ive(1, 2 * t))


def _tail(p: np.ndarray) -> np.ndarray:
    """P(X ≥ n) for the pmf ``p`` on n = -n_max..n_max."""
    return np.cumsum(p[::-1])[::-1]


def end_effect_bound(half_width: int, t: float) -> float:
    """Bound 4 P(X_t ≥ half_width) on a walk from the central bond touching either box end.

    Reflection principle: P(max_{s≤t} X_s ≥ ℓ) ≤ 2 P(X_t ≥ ℓ), for each of the two ends. It
    bounds the fraction of the current statistics that the finite box can alter up to time t.
    """
    n, p = walk_pmf(t, max(half_width + 1, int(12 * np.sqrt(2 * t + 1) + 12)))
    return float(min(1.0, 4.0 * p[n >= half_width].sum()))


def min_positive_mean(t1: float, t2: float) -> float:
    """S(t1, t2) = E[min(X_t1, X_t2)⁺] = Σ_{m≥1} P(X_t1 ≥ m, X_t2 ≥ m) for the lattice walk."""
    t1, t2 = sorted((float(t1), float(t2)))
    n, p1 = walk_pmf(t1, int(12 * np.sqrt(2 * t2 + 1) + 12))
    _, p_gap = walk_pmf(t2 - t1, n[-1])
    tail_gap = _tail(p_gap)  # P(X_gap ≥ k), k = n
    # P(X1 ≥ m, X2 ≥ m) = Σ_{j ≥ m} p1[j] P(X_gap ≥ m - j); rows m = 1..n_max, columns j.
    m = np.arange(1, n[-1] + 1)[:, None]
    shift = np.clip(m - n[None, :] + n[-1], 0, len(n) - 1)
    joint = np.where(n[None, :] >= m, p1[None, :] * tail_gap[shift], 0.0)
    return float(joint.sum())


def mean_current(t: float, x: np.ndarray, density: np.ndarray) -> float:
    """Exact ⟨Q(t)⟩ through bond (0, 1) for mean initial occupations ``density`` on ``x``."""
    n, p = walk_pmf(t, int(np.abs(x).max() + 12 * np.sqrt(2 * t + 1) + 12))
    tail = _tail(p)
    offset = n[-1]
    right = np.where(x <= 0, tail[np.clip(1 - x + offset, 0, len(n) - 1)], 0.0)  # P(X ≥ 1-y)
    left = np.where(x >= 1, tail[np.clip(x + offset, 0, len(n) - 1)], 0.0)  # P(X ≤ -y)
    return float(np.sum(density * (right - left)))


def annealed_covariance(model: str, rho_a: float, rho_b: float, t1: float, t2: float) -> float:
    """Exact lattice ⟨Q(t1)Q(t2)⟩_c for Poisson walkers (any step) or equilibrium SSEP."""
    if model == "walkers":
        factor = rho_a + rho_b
    elif model == "ssep" and rho_a == rho_b:
        factor = 2 * rho_a * (1 - rho_a)
    else:
        raise ValueError("the exact lattice covariance is known for walkers and equilibrium SSEP")
    return factor * min_positive_mean(t1, t2)


def quenched_walkers_covariance(
    x: np.ndarray, occupation: np.ndarray, t1: float, t2: float
) -> float:
    """Exact ⟨Q(t1)Q(t2)⟩_c of independent walkers from the fixed configuration ``occupation``.

    Each walker from y contributes Cov(c_y(t1), c_y(t2)) of its crossing indicator c_y(t)
    (it is on the other side of the bond at time t).
    """
    t1, t2 = sorted((float(t1), float(t2)))
    n_max = int(np.abs(x).max() + 12 * np.sqrt(2 * t2 + 1) + 12)
    n, p1 = walk_pmf(t1, n_max)
    _, p_gap = walk_pmf(t2 - t1, n_max)
    tail_gap, tail2 = _tail(p_gap), _tail(walk_pmf(t2, n_max)[1])
    total = 0.0
    for y, count in zip(x, occupation, strict=True):
        if count == 0:
            continue
        # Displacement thresholds: crossed at time t iff sign·X_t ≥ a with a = 1-y (y ≤ 0)
        # or a = y (y ≥ 1, by the mirror symmetry X → -X of the walk).
        a = 1 - y if y <= 0 else y
        first = n >= a
        both = np.sum(p1[first] * tail_gap[np.clip(a - n[first] + n_max, 0, 2 * n_max)])
        total += count * (both - p1[first].sum() * tail2[a + n_max])
    return float(total)


def neumann_laplacian(n_sites: int) -> np.ndarray:
    """Generator of a rate-1 walk on a closed segment of ``n_sites`` sites (dense matrix)."""
    lap = np.diag(np.full(n_sites - 1, 1.0), 1) + np.diag(np.full(n_sites - 1, 1.0), -1)
    return lap - np.diag(lap.sum(axis=1))


def _apply(lap_diag: np.ndarray, u: np.ndarray, axis: int) -> np.ndarray:
    """Neumann Laplacian along ``axis`` of ``u`` by shifts (O(size))."""
    u = np.moveaxis(u, axis, 0)
    out = lap_diag[:, None] * u if u.ndim == 2 else lap_diag * u
    out[:-1] += u[1:]
    out[1:] += u[:-1]
    return np.moveaxis(out, 0, axis)


def ssep_fixed_start_covariance(
    occupation: np.ndarray, half_width: int, times: np.ndarray, dt: float = 0.05
) -> np.ndarray:
    """Exact ⟨Q(t_i)Q(t_j)⟩_c of the SSEP in the closed box from a fixed configuration.

    Closed equations for one- and two-point functions (Spohn 1983): ρ' = Δρ, and for x ≠ z
    the connected correlation c = ⟨τ_x τ_z⟩ - ρ_x ρ_z obeys c' = (Δ_x + Δ_z)c, except on
    neighbouring sites, c(x, x+1)' = c(x-1, x+1) + c(x, x+2) - 2c(x, x+1) - (ρ_{x+1} - ρ_x)².
    With the fixed start Q(t) = N_{x≥1}(t) - N_{x≥1}(0), and one-point functions evolve
    linearly after t_i, so for t_i ≤ t_j
    Cov(Q(t_i), Q(t_j)) = Σ_{x≥1} Σ_z [1ᵀ_{y≥1} e^{(t_j - t_i)Δ}]_z C_{t_i}(x, z),
    C = c + diag(ρ(1-ρ)). Integrated with classical RK4 (steps ≤ ``dt``, shorter while the
    initial profile relaxes); returns (K, K).
    """
    from scipy.linalg import expm

    times = np.asarray(times, float)
    n = occupation.size
    lap = neumann_laplacian(n)
    lap_diag = np.diag(lap).copy()
    right = np.arange(n) >= half_width  # sites x ≥ 1
    neighbours = np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)

    def derivative(rho, c):
        gradient2 = np.diff(rho) ** 2
        source = np.diag(gradient2, 1) + np.diag(gradient2, -1)
        dc = _apply(lap_diag, c, 0) + _apply(lap_diag, c, 1) + 2 * c * neighbours - source
        np.fill_diagonal(dc, 0.0)
        return _apply(lap_diag, rho, 0), dc

    rho, c = occupation.astype(float), np.zeros((n, n))
    equal_time, now = [], 0.0
    for target in times:
        while now < target:
            # short steps while the initial profile relaxes (rates up to 8), then ``dt``
            h = min(dt, 0.02 + 0.05 * now, target - now)
            k1 = derivative(rho, c)
            k2 = derivative(rho + 0.5 * h * k1[0], c + 0.5 * h * k1[1])
            k3 = derivative(rho + 0.5 * h * k2[0], c + 0.5 * h * k2[1])
            k4 = derivative(rho + h * k3[0], c + h * k3[1])
            rho = rho + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            c = c + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
            now += h
        equal_time.append(c + np.diag(rho * (1 - rho)))
    covariance = np.empty((times.size, times.size))
    for i, ti in enumerate(times):
        for j in range(i, times.size):
            weight = right.astype(float) @ expm((times[j] - ti) * lap)
            covariance[i, j] = covariance[j, i] = equal_time[i][right].sum(axis=0) @ weight
    return covariance
