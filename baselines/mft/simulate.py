"""Exact continuous-time simulation of the integrated current Q(t) through the bond (0, 1).

Both simulators are vectorised over independent samples and exact in distribution at the
recording times (no time step):

- Independent walkers (hop rate 1 to each neighbour): over an interval Δt a walker's
  displacement is the difference of two independent Poisson(Δt) counts of right and left
  jumps. Walkers start on the box sites and move freely; those starting outside the box are
  omitted (their share is bounded by :func:`baselines.mft.lattice.end_effect_bound`).
- SSEP in its stirring representation: every bond of a closed box exchanges the contents of
  its two sites at rate 1, which moves each particle to each empty neighbour at rate 1. The
  bond clocks together ring at rate L - 1, so the number of events per recording interval
  is Poisson((L - 1)Δt) per sample and each event picks a uniform bond. Samples advance in
  lockstep, one event each per NumPy step; a sample whose interval is exhausted is pointed
  at an always-empty spare bond. Hand-written because no library simulates the SSEP.

Q(t) is the change of the number of particles on sites x ≥ 1 (the system is closed, so it
equals the net number of jumps across the bond (0, 1)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from baselines.mft.lattice import MODELS, SETTINGS, quenched_occupation, sites, step_profile


def initial_occupation(
    model: str,
    setting: str,
    rho_a: float,
    rho_b: float,
    half_width: int,
    n_samples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Occupations (n_samples, 2·half_width) of the box sites at t = 0.

    Annealed: independent Poisson (walkers) or Bernoulli (SSEP) numbers of mean ρ_0(x);
    quenched: the same fixed configuration in every sample (:func:`quenched_occupation`).
    """
    if model not in MODELS or setting not in SETTINGS:
        raise ValueError(f"model must be one of {MODELS} and setting one of {SETTINGS}")
    if model == "ssep" and not (0 <= rho_a <= 1 and 0 <= rho_b <= 1):
        raise ValueError(f"SSEP densities must lie in [0, 1], got ρ_a={rho_a}, ρ_b={rho_b}")
    x = sites(half_width)
    rho = step_profile(x, rho_a, rho_b)
    if setting == "quenched":
        return np.broadcast_to(quenched_occupation(x, rho), (n_samples, x.size)).copy()
    if model == "walkers":
        return rng.poisson(rho, size=(n_samples, x.size))
    return (rng.random((n_samples, x.size)) < rho).astype(np.int64)


def _check_times(times: Sequence[float]) -> np.ndarray:
    times = np.asarray(times, float)
    if times.ndim != 1 or times.size == 0 or times[0] <= 0 or np.any(np.diff(times) <= 0):
        raise ValueError("recording times must be a non-empty increasing list of positive times")
    return times


def simulate_walkers(
    occupation: np.ndarray, half_width: int, times: Sequence[float], rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Q(t) of independent walkers at ``times``: (n_samples, n_times) int32, and the move count."""
    times = _check_times(times)
    n_samples = occupation.shape[0]
    x = sites(half_width)
    counts = occupation.ravel()
    position = np.repeat(np.tile(x, n_samples), counts)
    sample = np.repeat(np.repeat(np.arange(n_samples), x.size), counts)
    started_right = position >= 1
    current = np.empty((n_samples, times.size), np.int32)
    moves, previous = 0, 0.0
    for k, t in enumerate(times):
        right = rng.poisson(t - previous, position.size)
        left = rng.poisson(t - previous, position.size)
        moves += int(right.sum() + left.sum())
        position += right - left
        previous = t
        crossed = (position >= 1).astype(np.int8) - started_right
        current[:, k] = np.bincount(sample, weights=crossed, minlength=n_samples)
    return current, moves


def simulate_ssep(
    occupation: np.ndarray,
    half_width: int,
    times: Sequence[float],
    rng: np.random.Generator,
    chunk: int = 256,
) -> tuple[np.ndarray, int]:
    """Q(t) of the SSEP at ``times``: (n_samples, n_times) int32, and the bond-event count.

    ``chunk`` bounds the events per sample drawn at once (memory: chunk × n_samples bonds).
    """
    times = _check_times(times)
    if occupation.max(initial=0) > 1:
        raise ValueError("SSEP occupations must be 0 or 1")
    n_samples, n_sites = occupation.shape
    width = n_sites + 2  # two spare always-empty sites: the idle bond n_sites
    state = np.zeros((n_samples, width), np.int8)
    state[:, :n_sites] = occupation
    flat = state.reshape(-1)
    row_start = np.arange(n_samples, dtype=np.int64) * width
    n_bonds = n_sites - 1
    right = slice(half_width, n_sites)  # sites x ≥ 1
    start = state[:, right].sum(axis=1, dtype=np.int64)
    current = np.empty((n_samples, times.size), np.int32)
    events, previous = 0, 0.0
    for k, t in enumerate(times):
        per_sample = rng.poisson(n_bonds * (t - previous), n_samples)
        previous = t
        events += int(per_sample.sum())
        for first in range(0, int(per_sample.max(initial=0)), chunk):
            steps = min(chunk, int(per_sample.max()) - first)
            bonds = rng.integers(0, n_bonds, size=(steps, n_samples))
            bonds[first + np.arange(steps)[:, None] >= per_sample[None, :]] = n_sites
            bonds += row_start
            for left in bonds:
                a, b = flat[left], flat[left + 1]
                flat[left], flat[left + 1] = b, a
        current[:, k] = state[:, right].sum(axis=1, dtype=np.int64) - start
    return current, events


def simulate(
    model: str,
    setting: str,
    rho_a: float,
    rho_b: float,
    half_width: int,
    times: Sequence[float],
    n_samples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int]:
    """Q(t) samples (n_samples, n_times) for a step initial state, and the event count."""
    occupation = initial_occupation(model, setting, rho_a, rho_b, half_width, n_samples, rng)
    if model == "walkers":
        return simulate_walkers(occupation, half_width, times, rng)
    return simulate_ssep(occupation, half_width, times, rng)
