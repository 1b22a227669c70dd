"""Replica-exchange grand-canonical (REGC) Monte Carlo of the lattice gas, vectorised over replicas.

One replica per state (T_l, μ_m) of a grid, k = l·n_μ + m. Within each replica (all replicas at
once, NumPy arrays of shape (replicas, sites)):

- insertion/removal: every site of one checkerboard sublattice proposes n_i → 1 - n_i, accepted
  with min{1, e^{-Δu}}, Δu = -β(1 - 2n_i)(ε0 + μ + ε z_i) (z_i: occupied neighbours). Sites of a
  sublattice share no bond, so their updates are independent and each half-sweep satisfies
  detailed balance on its own;
- hops: the occupations of the two ends of a bond are exchanged (a particle hops to an empty
  neighbour), accepted with min{1, e^{βεΔB}}. One of 16 bond classes (direction × x-offset mod 4
  × parity of the other coordinate) is drawn per hop step; bonds of a class share no site and
  no neighbour, which needs both lattice lengths divisible by 4 (on other lattices the hop
  steps are skipped; insertion/removal alone is ergodic in the grand-canonical ensemble).

Swaps between neighbouring states i, j of the grid (four disjoint pair sets: even/odd pairs along
T and along μ) exchange their configurations with probability

    min{1, exp[(β_i - β_j)(E_i - E_j) - (β_i μ_i - β_j μ_j)(N_i - N_j)]},

which leaves the product of the grand-canonical distributions invariant. Thermal-wavelength
convention: the seed's factor (β_i/β_j)^{3(N_i - N_j)/2} comes from the momentum integral
Λ^{-3N} of particles moving in the continuum. The lattice-gas adsorbates have no momentum
integral (μ is measured from the reference of ε0 and any internal partition function is folded
into ε0), i.e. μ here is the seed's μ - k_B T ln Λ^3 per adsorbate, and the factor is absent.

A run records (N, B) of every state every ``sample_interval`` sweeps after ``equilibration``
sweeps, counts attempted and accepted moves, and checkpoints to an ``.npz`` file (configurations,
samples, counters and the generator state) so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from baselines.regc.lattice import LatticeGas, beta, count_bonds

HOP_CLASSES = 16


@dataclass(frozen=True)
class RunSettings:
    """Length and schedule of a REGC run (all counts in sweeps).

    A sweep is one insertion/removal attempt per site plus ``hop_steps`` hop steps (each
    proposes hops on 1/8 of the bonds of one direction); swaps are attempted every
    ``swap_interval`` sweeps over all four pair sets.
    """

    sweeps: int
    equilibration: int
    sample_interval: int
    swap_interval: int
    hop_steps: int
    checkpoint_interval: int

    def __post_init__(self) -> None:
        for name in ("sweeps", "sample_interval", "swap_interval", "checkpoint_interval"):
            if getattr(self, name) < 1:
                raise ValueError(f"sampler.{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.equilibration < self.sweeps:
            raise ValueError("sampler.equilibration must be in [0, sweeps)")
        if self.hop_steps < 0:
            raise ValueError("sampler.hop_steps must be >= 0")


class REGCSampler:
    """The replicas, their moves and swaps, for ``model`` on the grid ``temperature`` × ``mu``."""

    def __init__(
        self, model: LatticeGas, temperature: np.ndarray, mu: np.ndarray, seed: int
    ) -> None:
        self.model = model
        self.temperature = np.asarray(temperature, float)
        self.mu = np.asarray(mu, float)
        self.grid_shape = (self.temperature.size, self.mu.size)
        betas, mus = np.meshgrid(beta(self.temperature), self.mu, indexing="ij")
        self.beta_k, self.mu_k = betas.ravel(), mus.ravel()
        self.n_states = self.beta_k.size
        self.rng = np.random.default_rng(seed)
        self.occupation = np.zeros((self.n_states, model.sites), np.int8)
        self.n_ads = np.zeros(self.n_states, np.int64)
        self.bonds = np.zeros(self.n_states, np.int64)
        self.attempts = {"flip": 0, "hop": 0}
        self.accepted = {"flip": 0, "hop": 0}
        self.swap_attempts = np.zeros((2, *self.grid_shape), np.int64)  # [axis, l, m]
        self.swap_accepted = np.zeros_like(self.swap_attempts)
        self._build_tables()

    # -- geometry and acceptance tables ----------------------------------------------------
    def _build_tables(self) -> None:
        L, M = self.model.shape
        x, y = np.meshgrid(np.arange(L), np.arange(M), indexing="ij")
        site = lambda i, j: (i % L) * M + (j % M)  # noqa: E731
        neighbours = np.stack([site(x + 1, y), site(x - 1, y), site(x, y + 1), site(x, y - 1)], -1)
        neighbours = neighbours.reshape(-1, 4)
        parity = ((x + y) % 2).ravel()
        if L % 2 or M % 2:
            raise ValueError(f"checkerboard updates need even lattice lengths, got {(L, M)}")
        self.sublattices = [np.flatnonzero(parity == c) for c in (0, 1)]
        self.sublattice_neighbours = [neighbours[s] for s in self.sublattices]
        # flip acceptance min(1, e^{-Δu}) by [state, n_i, z_i]
        n = np.arange(2)[None, :, None]
        z = np.arange(5)[None, None, :]
        field = self.model.eps0 + self.mu_k[:, None, None] + self.model.eps * z
        delta_u = -self.beta_k[:, None, None] * (1 - 2 * n) * field
        self.flip_table = np.minimum(1.0, np.exp(-delta_u)).astype(np.float32).ravel()
        # hop acceptance min(1, e^{βεΔB}) by [state, ΔB + 3]
        delta_b = np.arange(-3, 4)[None, :]
        hop = np.minimum(1.0, np.exp(self.beta_k[:, None] * self.model.eps * delta_b))
        self.hop_table = hop.astype(np.float32).ravel()
        self.hop_classes = []
        if L % 4 == 0 and M % 4 == 0:
            for axis in (0, 1):
                for offset in range(4):
                    for other in (0, 1):
                        along, across = (x, y) if axis == 0 else (y, x)
                        first = site(x, y)[(along % 4 == offset) & (across % 2 == other)]
                        step = (1, 0) if axis == 0 else (0, 1)
                        i, j = np.divmod(first, M)
                        second = site(i + step[0], j + step[1])
                        self.hop_classes.append(
                            (first, second, neighbours[first], neighbours[second])
                        )

    @property
    def energy(self) -> np.ndarray:
        """E of each state's current configuration (eV)."""
        return self.model.energy(self.n_ads, self.bonds)

    # -- moves -----------------------------------------------------------------------------
    def flip_step(self, parity: int) -> None:
        """Insertion/removal attempts on every site of one sublattice of every replica."""
        sites, neighbours = self.sublattices[parity], self.sublattice_neighbours[parity]
        occ = self.occupation
        z = occ[:, neighbours].sum(axis=-1, dtype=np.int8)
        n = occ[:, sites]
        index = n * np.int8(5) + z + (np.arange(self.n_states) * 10)[:, None]
        flip = self.rng.random(n.shape, dtype=np.float32) < self.flip_table[index]
        occ[:, sites] = n ^ flip
        change = flip * (1 - 2 * n)
        self.n_ads += change.sum(axis=1)
        self.bonds += (change * z).sum(axis=1)
        self.attempts["flip"] += n.size
        self.accepted["flip"] += int(np.count_nonzero(flip))

    def hop_step(self) -> None:
        """Particle–hole exchanges on one randomly drawn bond class of every replica."""
        first, second, nb_first, nb_second = self.hop_classes[self.rng.integers(HOP_CLASSES)]
        occ = self.occupation
        a, b = occ[:, first], occ[:, second]
        d = a - b
        z_a = occ[:, nb_first].sum(axis=-1, dtype=np.int8)
        z_b = occ[:, nb_second].sum(axis=-1, dtype=np.int8)
        delta_b = d * ((z_b - a) - (z_a - b))
        index = delta_b + 3 + (np.arange(self.n_states) * 7)[:, None]
        move = (d != 0) & (self.rng.random(d.shape, dtype=np.float32) < self.hop_table[index])
        occ[:, first] = np.where(move, b, a)
        occ[:, second] = np.where(move, a, b)
        self.bonds += (delta_b * move).sum(axis=1)
        self.attempts["hop"] += int(np.count_nonzero(d))
        self.accepted["hop"] += int(np.count_nonzero(move))

    def sweep(self, hop_steps: int) -> None:
        """Both sublattices, then ``hop_steps`` hop steps (if the lattice allows hops)."""
        self.flip_step(0)
        self.flip_step(1)
        if self.hop_classes:
            for _ in range(hop_steps):
                self.hop_step()

    def swap_step(self) -> None:
        """Configuration swaps over the four disjoint sets of neighbouring state pairs."""
        _n_t, _n_mu = self.grid_shape
        index = np.arange(self.n_states).reshape(self.grid_shape)
        for axis in (0, 1):
            for start in (0, 1):
                if axis == 0:
                    left, right = index[start:-1:2], index[start + 1 :: 2]
                else:
                    left, right = index[:, start:-1:2], index[:, start + 1 :: 2]
                left, right = left.ravel(), right.ravel()
                if left.size == 0:
                    continue
                self._swap_pairs(left, right, axis)

    def _swap_pairs(self, left: np.ndarray, right: np.ndarray, axis: int) -> None:
        b, bm, e, n = self.beta_k, self.beta_k * self.mu_k, self.energy, self.n_ads
        log_ratio = (b[left] - b[right]) * (e[left] - e[right]) - (bm[left] - bm[right]) * (
            n[left] - n[right]
        )
        accept = np.log(self.rng.random(left.size)) < log_ratio
        i, j = left[accept], right[accept]
        for array in (self.occupation, self.n_ads, self.bonds):
            array[i], array[j] = array[j], array[i].copy()
        l_index, m_index = np.unravel_index(left, self.grid_shape)
        np.add.at(self.swap_attempts[axis], (l_index, m_index), 1)
        np.add.at(self.swap_accepted[axis], (l_index[accept], m_index[accept]), 1)

    def recount(self) -> None:
        """Recompute N and B of every replica from its configuration."""
        lattice = self.occupation.reshape(self.n_states, *self.model.shape)
        self.n_ads = lattice.sum(axis=(1, 2), dtype=np.int64)
        self.bonds = count_bonds(lattice).astype(np.int64)

    # -- checkpoints -----------------------------------------------------------------------
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to continue the chain exactly (no pickled objects)."""
        return {
            "occupation": self.occupation,
            "attempts": np.array([self.attempts["flip"], self.attempts["hop"]]),
            "accepted": np.array([self.accepted["flip"], self.accepted["hop"]]),
            "swap_attempts": self.swap_attempts,
            "swap_accepted": self.swap_accepted,
            "rng_state": np.array(json.dumps(self.rng.bit_generator.state)),
        }

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore :meth:`state_arrays`."""
        self.occupation = arrays["occupation"].astype(np.int8)
        self.attempts = dict(zip(("flip", "hop"), arrays["attempts"].tolist(), strict=True))
        self.accepted = dict(zip(("flip", "hop"), arrays["accepted"].tolist(), strict=True))
        self.swap_attempts = arrays["swap_attempts"].copy()
        self.swap_accepted = arrays["swap_accepted"].copy()
        self.rng.bit_generator.state = json.loads(str(arrays["rng_state"]))
        self.recount()


def run_regc(
    model: LatticeGas,
    temperature: np.ndarray,
    mu: np.ndarray,
    settings: RunSettings,
    seed: int,
    checkpoint: Path | None = None,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Run (or resume from ``checkpoint``) one REGC chain.

    Returns:
        ``n_ads``, ``bonds``: int16 samples of shape (n_samples, n_T·n_μ), state k = l·n_μ + m;
        ``swap_attempts``, ``swap_accepted``: (2, n_T, n_μ), entry [0, l, m] for the pair
        (l, m)–(l+1, m) and [1, l, m] for (l, m)–(l, m+1); ``attempts``, ``accepted``: flips and
        hops; ``seconds``: wall time of the sweeps (summed over resumed parts).
    """
    sampler = REGCSampler(model, temperature, mu, seed)
    n_samples = (settings.sweeps - settings.equilibration) // settings.sample_interval
    samples = np.zeros((2, n_samples, sampler.n_states), np.int16)
    done, seconds = 0, 0.0
    if checkpoint is not None and checkpoint.is_file():
        with np.load(checkpoint, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        if arrays["samples"].shape != samples.shape:
            raise ValueError(f"checkpoint {checkpoint} belongs to another run; delete it")
        sampler.load_state(arrays)
        samples, done, seconds = (
            arrays["samples"],
            int(arrays["sweeps_done"]),
            float(arrays["seconds"]),
        )
    columns = (TextColumn("REGC sweeps"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("regc", total=settings.sweeps, completed=done)
        while done < settings.sweeps:
            stop = min(settings.sweeps, done + settings.checkpoint_interval)
            start = time.perf_counter()
            for sweep in range(done, stop):
                sampler.sweep(settings.hop_steps)
                if (sweep + 1) % settings.swap_interval == 0:
                    sampler.swap_step()
                after = sweep + 1 - settings.equilibration
                if after > 0 and after % settings.sample_interval == 0:
                    row = after // settings.sample_interval - 1
                    if row < n_samples:
                        samples[0, row], samples[1, row] = sampler.n_ads, sampler.bonds
            seconds += time.perf_counter() - start
            done = stop
            bar.update(task, completed=done)
            if checkpoint is not None and done < settings.sweeps:
                progress_arrays = {"sweeps_done": np.array(done), "seconds": np.array(seconds)}
                _save(checkpoint, {**sampler.state_arrays(), "samples": samples, **progress_arrays})
    return {
        "n_ads": samples[0],
        "bonds": samples[1],
        "swap_attempts": sampler.swap_attempts,
        "swap_accepted": sampler.swap_accepted,
        "attempts": np.array([sampler.attempts["flip"], sampler.attempts["hop"]]),
        "accepted": np.array([sampler.accepted["flip"], sampler.accepted["hop"]]),
        "seconds": np.array(seconds),
    }


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)
