"""Data set of the regc task: a REGC run + MBAR analysis, and the exact reference, on one grid.

Generation (cached by :func:`tasks.cache.cached_arrays`, resumable):

1. ``sampler.chains`` independent REGC chains (one per core, :func:`tasks.parallel.map_systems`),
   each checkpointing into the cache's scratch directory;
2. the exact density of states g(N, B) by the transfer matrix (orbits in parallel);
3. decorrelation and MBAR over the replica states (pymbar), MBAR's class weights, pymbar's
   uncertainties of ⟨N⟩ and ⟨E⟩ on the training grid, the overlap matrix;
4. exact and MBAR per-site quantities (:mod:`baselines.regc.thermo`) on the evaluation grid,
   the union of a uniform (T, μ) grid and the replica states.

Test-split arrays (per site; grids are (n_T, n_μ)): ``temperature`` (K), ``mu`` (eV); exact
``coverage``, ``energy`` (eV), ``heat_capacity`` (k_B), ``susceptibility`` (1/eV),
``beta_omega``, ``dominant_coverage``, ``log_dos``; the same with prefix ``mbar_`` plus
``mbar_log_weight``; ``train_mask`` with ``mbar_coverage_sigma``, ``mbar_energy_sigma`` (NaN
off the mask); ``replica_mask``, ``replica_temperature``, ``replica_mu``,
``replica_coverage_sigma``, ``replica_beta_omega_sigma``; ``overlap`` (K × K),
``overlap_scalar``, ``swap_acceptance`` (2, n_T', n_μ': along T, along μ; NaN without a
partner), ``statistical_inefficiency``, ``samples_per_state``; run statistics ``sweeps``,
``attempted_moves``, ``moves_per_second``, ``sampling_seconds``, ``mbar_seconds``,
``exact_seconds``; model ``lattice_shape``, ``eps0``, ``eps``; ``cv_peak_mu``; and
``log10_pressure`` (p/p0 of the gas at each (T, μ)) with ``gas_name``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from baselines.regc.gas import DiatomicGas
from baselines.regc.lattice import LatticeGas, beta
from baselines.regc.mbar import LatticeMBAR, decorrelate
from baselines.regc.sampler import RunSettings, run_regc
from baselines.regc.thermo import QUANTITIES, grid_thermodynamics
from baselines.regc.transfer_matrix import column_geometry, column_orbits, dos_with_first_column
from tasks.cache import CachedArrays, cached_arrays
from tasks.parallel import map_systems, stack_results
from tasks.training import RepeatedBatch

GRID_DECIMALS = 9  # grid values are rounded so that replica states coincide with grid points


def replica_grid(replicas: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Replica temperatures (geometric ladder, rounded to ``round`` K) and μ values (linear)."""
    t, mu = replicas["temperature"], replicas["mu"]
    temperature = np.geomspace(float(t["min"]), float(t["max"]), int(t["count"]))
    temperature = np.round(temperature / float(t["round"])) * float(t["round"])
    mus = np.round(np.linspace(float(mu["min"]), float(mu["max"]), int(mu["count"])), GRID_DECIMALS)
    if np.unique(temperature).size != temperature.size:
        raise ValueError("replica temperatures collide after rounding: lower task.replicas...round")
    return temperature, mus


def evaluation_grid(
    evaluation: Mapping[str, Sequence[float]], replica_t: np.ndarray, replica_mu: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform grid [min, max] in steps, joined with the replica values (sorted, unique)."""
    axes = []
    for key, extra in (("temperature", replica_t), ("mu", replica_mu)):
        low, high, step = (float(v) for v in evaluation[key])
        uniform = low + step * np.arange(round((high - low) / step) + 1)
        axes.append(np.unique(np.round(np.concatenate([uniform, extra]), GRID_DECIMALS)))
    return axes[0], axes[1]


def run_chain(item: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """One REGC chain (a picklable top-level function for the process pool)."""
    model = LatticeGas(tuple(item["shape"]), item["eps0"], item["eps"])
    checkpoint = Path(item["checkpoint"]) if item["checkpoint"] else None
    return run_regc(
        model, item["temperature"], item["mu"], RunSettings(**item["settings"]), item["seed"],
        checkpoint=checkpoint, progress=item["progress"],
    )  # fmt: skip


def orbit_dos(item: tuple[tuple[int, int], float, float, int]) -> dict[str, np.ndarray]:
    """Transfer-matrix polynomial of one first-column orbit representative."""
    shape, eps0, eps, first = item
    return {"dos": dos_with_first_column(LatticeGas(shape, eps0, eps), first)}


def exact_dos(model: LatticeGas, parts_dir: Path | None) -> np.ndarray:
    """g(N, B) by the transfer matrix, orbit representatives in parallel (resumable)."""
    length, _ = column_geometry(model)
    representatives, sizes = column_orbits(length)
    items = [(model.shape, model.eps0, model.eps, int(first)) for first in representatives]
    parts = map_systems(
        orbit_dos, items, description="transfer matrix",
        parts_dir=parts_dir / "dos" if parts_dir else None,
    )  # fmt: skip
    return np.tensordot(sizes.astype(float), stack_results(parts)["dos"], axes=1)


def build_split(config: Mapping[str, Any], parts_dir: Path | None) -> dict[str, np.ndarray]:
    """All arrays of the test split (see module docstring) from the generator config."""
    lattice, sampler = config["lattice"], dict(config["sampler"])
    model = LatticeGas(tuple(lattice["shape"]), lattice["eps0"], lattice["eps"])
    rep_t, rep_mu = replica_grid(config["replicas"])
    temperature, mu = evaluation_grid(config["evaluation"], rep_t, rep_mu)
    n_chains, seed = int(sampler.pop("chains")), int(sampler.pop("seed"))
    max_per_state = int(config["analysis"]["max_samples_per_state"])
    # 1. REGC chains
    items = [
        {"shape": model.shape, "eps0": model.eps0, "eps": model.eps, "temperature": rep_t,
         "mu": rep_mu, "settings": sampler, "seed": seed + chain, "progress": chain == 0,
         "checkpoint": str(parts_dir / f"chain{chain}_checkpoint.npz") if parts_dir else None}
        for chain in range(n_chains)
    ]  # fmt: skip
    chains = map_systems(
        run_chain, items, description="REGC chains",
        parts_dir=parts_dir / "chains" if parts_dir else None,
    )  # fmt: skip
    sampling_seconds = max(float(chain["seconds"]) for chain in chains)
    attempted = sum(int(chain["attempts"].sum()) for chain in chains)
    # 2. exact reference
    start = time.perf_counter()
    with np.errstate(divide="ignore"):
        log_dos = np.log(exact_dos(model, parts_dir))
    exact = grid_thermodynamics(log_dos, model, temperature, mu)
    exact_seconds = time.perf_counter() - start
    # 3. MBAR
    start = time.perf_counter()
    state_t, state_mu = (a.ravel() for a in np.meshgrid(rep_t, rep_mu, indexing="ij"))
    samples = decorrelate(
        [(c["n_ads"], c["bonds"]) for c in chains], model, beta(state_t), state_mu, max_per_state
    )
    mbar = LatticeMBAR(model, state_t, state_mu, samples["n_ads"], samples["bonds"], samples["n_k"])
    log_weight = mbar.class_log_weights()
    estimates = grid_thermodynamics(log_weight, model, temperature, mu)
    train_mask = _train_mask(temperature.size, mu.size, config["analysis"]["train_stride"])
    grid_t, grid_mu = np.meshgrid(temperature, mu, indexing="ij")
    uncertain = mbar.expectations(grid_t[train_mask], grid_mu[train_mask])
    at_states = mbar.expectations(state_t, state_mu)
    _, d_f = mbar.free_energy_differences()
    overlap, overlap_scalar = mbar.overlap()
    mbar_seconds = time.perf_counter() - start
    sigma = {name: np.full(train_mask.shape, np.nan) for name in ("coverage", "energy")}
    for name, grid in sigma.items():
        grid[train_mask] = uncertain[f"{name}_sigma"]
    replica_mask = np.isin(temperature, rep_t)[:, None] & np.isin(mu, rep_mu)[None, :]
    gas = DiatomicGas(**config["gas"]["molecule"])
    arrays = {
        "temperature": temperature,
        "mu": mu,
        **{name: exact[name] for name in QUANTITIES},
        "log_dos": log_dos,
        **{f"mbar_{name}": estimates[name] for name in QUANTITIES},
        "mbar_log_weight": log_weight,
        "train_mask": train_mask,
        "mbar_coverage_sigma": sigma["coverage"],
        "mbar_energy_sigma": sigma["energy"],
        "replica_mask": replica_mask,
        "replica_temperature": rep_t,
        "replica_mu": rep_mu,
        "replica_coverage_sigma": at_states["coverage_sigma"],
        "replica_beta_omega_sigma": d_f / model.sites,
        "overlap": overlap,
        "overlap_scalar": np.array(overlap_scalar),
        "swap_acceptance": _swap_acceptance(chains),
        "statistical_inefficiency": samples["g_k"] * sampler["sample_interval"],
        "samples_per_state": samples["n_k"],
        "sweeps": np.array(n_chains * sampler["sweeps"]),
        "attempted_moves": np.array(attempted),
        "moves_per_second": np.array(attempted / sampling_seconds),
        "sampling_seconds": np.array(sampling_seconds),
        "mbar_seconds": np.array(mbar_seconds),
        "exact_seconds": np.array(exact_seconds),
        "lattice_shape": np.array(model.shape),
        "eps0": np.array(model.eps0),
        "eps": np.array(model.eps),
        "cv_peak_mu": np.asarray(config["analysis"]["cv_peak_mu"], float),
        "log10_pressure": gas.log10_pressure(
            grid_t, grid_mu, float(config["gas"]["reference_pressure"])
        ),
        "gas_name": np.array(gas.name),
    }
    return arrays


def _train_mask(n_t: int, n_mu: int, stride: Mapping[str, int]) -> np.ndarray:
    """Every ``stride`` grid point along T and μ (always including the last one)."""
    mask = np.zeros((n_t, n_mu), bool)
    rows = np.unique([*range(0, n_t, int(stride["temperature"])), n_t - 1])
    cols = np.unique([*range(0, n_mu, int(stride["mu"])), n_mu - 1])
    mask[np.ix_(rows, cols)] = True
    return mask


def _swap_acceptance(chains: Sequence[Mapping[str, np.ndarray]]) -> np.ndarray:
    attempts = sum(c["swap_attempts"] for c in chains)
    accepted = sum(c["swap_accepted"] for c in chains)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(attempts > 0, accepted / np.maximum(attempts, 1), np.nan)


class RegcDataModule(L.LightningDataModule):
    """The cached REGC/MBAR/exact split, and MBAR's ⟨N⟩, ⟨E⟩ on the training grid as batches.

    Args:
        lattice: ``shape`` [L, M], ``eps0``, ``eps`` (eV).
        replicas: ``temperature`` {min, max, count, round} (K, geometric), ``mu`` {min, max,
            count} (eV, linear).
        sampler: :class:`baselines.regc.sampler.RunSettings` fields plus ``chains`` and the
            sampler ``seed`` (part of the data set, not the training seed).
        analysis: ``max_samples_per_state``, ``train_stride`` {temperature, mu},
            ``cv_peak_mu`` (list of μ for the C_v peak metric).
        evaluation: ``temperature`` [min, max, step] (K), ``mu`` [min, max, step] (eV).
        gas: ``molecule`` (:class:`baselines.regc.gas.DiatomicGas` fields) and
            ``reference_pressure`` (Pa) for the (T, p) phase diagram.
        validation_fraction: share of the training points held out for validation.
        steps: optimisation steps per fit (length of the training loader).
        cache_dir: data cache root (``None``: in memory).
        seed: seed of the training/validation split.
    """

    def __init__(
        self,
        lattice: Mapping[str, Any],
        replicas: Mapping[str, Any],
        sampler: Mapping[str, Any],
        analysis: Mapping[str, Any],
        evaluation: Mapping[str, Any],
        gas: Mapping[str, Any],
        validation_fraction: float,
        steps: int,
        cache_dir: str | None,
        seed: int,
    ) -> None:
        super().__init__()
        self.config = {
            "lattice": dict(lattice), "replicas": dict(replicas), "sampler": dict(sampler),
            "analysis": dict(analysis), "evaluation": dict(evaluation), "gas": dict(gas),
        }  # fmt: skip
        self.validation_fraction = float(validation_fraction)
        self.steps = int(steps)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.seed = int(seed)
        self._test: CachedArrays | None = None

    def test_split(self) -> CachedArrays:
        """The split (generated once, then loaded from the cache and verified)."""
        if self._test is None:
            self._test = cached_arrays(
                "regc", self.config, lambda parts: build_split(self.config, parts), self.cache_dir
            )
        return self._test

    def setup(self, stage: str | None = None) -> None:
        """Training points: MBAR ⟨N⟩/LM, ⟨E⟩/LM and their uncertainties on the training grid."""
        if hasattr(self, "train_batch"):
            return
        split = self.test_split().arrays
        mask = split["train_mask"]
        grid_t, grid_mu = np.meshgrid(split["temperature"], split["mu"], indexing="ij")
        columns = {
            "temperature": grid_t[mask], "mu": grid_mu[mask],
            "coverage": split["mbar_coverage"][mask], "energy": split["mbar_energy"][mask],
            "coverage_sigma": split["mbar_coverage_sigma"][mask],
            "energy_sigma": split["mbar_energy_sigma"][mask],
        }  # fmt: skip
        order = np.random.default_rng(self.seed).permutation(mask.sum())
        n_val = round(self.validation_fraction * order.size)
        as_batch = lambda rows: {  # noqa: E731
            key: torch.as_tensor(value[rows], dtype=torch.float64) for key, value in columns.items()
        }
        self.train_batch, self.validation_batch = as_batch(order[n_val:]), as_batch(order[:n_val])

    def train_dataloader(self) -> DataLoader:
        return DataLoader(
            RepeatedBatch(self.steps, lambda: self.train_batch, False), batch_size=None
        )

    def val_dataloader(self) -> DataLoader:
        return DataLoader(RepeatedBatch(1, lambda: self.validation_batch, False), batch_size=None)
