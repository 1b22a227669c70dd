"""Data set of the regc task: REGC samples and the exact reference, on one (T, μ) grid.

Test split (a :class:`tasks.splits.Split`, declared in :mod:`tasks.regc.spec`), built resumably:

1. ``sampler.chains`` independent REGC chains (chain c seeded with ``sampler.seed + c``, one per
   core, :func:`baselines.parallel.map_systems`), each checkpointing into the build's scratch
   directory; their samples decorrelated per state by ``pymbar.timeseries``;
2. the exact density of states g(N, B) by the transfer matrix (orbits in parallel, summed in a
   fixed order) and the exact per-site quantities (:mod:`baselines.regc.thermo`) on the
   evaluation grid, the union of a uniform (T, μ) grid and the replica states.

Inputs are the grids, the lattice, the decorrelated samples, the training mask, the C(T) peak
μ values and the gas pressure; references the exact grids and g(N, B); provenance the run's
timings and sampler statistics. No MBAR result is stored: MBAR is the ``regc_mbar`` baseline,
and the learned model's training targets (MBAR's θ, ⟨E⟩ and their uncertainties on the
training grid) come from the same analysis of the inputs, cached apart from the split.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from baselines.parallel import map_systems
from baselines.regc.gas import DiatomicGas
from baselines.regc.lattice import LatticeGas, beta
from baselines.regc.mbar import SETTINGS as MBAR_SETTINGS
from baselines.regc.mbar import decorrelate, replica_states
from baselines.regc.sampler import RunSettings, run_regc
from baselines.regc.solvers import split_mbar
from baselines.regc.thermo import QUANTITIES, grid_thermodynamics
from baselines.regc.transfer_matrix import transfer_matrix_dos
from tasks.cache import cached_arrays
from tasks.splits import Split, canonical_split
from tasks.training import RepeatedBatch

BATCH_KEYS = ("temperature", "mu", "coverage", "energy", "coverage_sigma", "energy_sigma")
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


def _as_result(function: Callable[[int], np.ndarray], first: int) -> dict[str, np.ndarray]:
    return {"dos": function(first)}


def exact_dos(model: LatticeGas, parts_dir: Path | None) -> np.ndarray:
    """g(N, B) by the transfer matrix, orbit representatives in parallel (resumable)."""

    def mapper(function: Callable[[int], np.ndarray], firsts: Sequence[int]) -> list[np.ndarray]:
        parts = map_systems(
            partial(_as_result, function), list(firsts), description="transfer matrix",
            parts_dir=parts_dir / "dos" if parts_dir else None,
        )  # fmt: skip
        return [part["dos"] for part in parts]

    return transfer_matrix_dos(model, mapper)


def build_split(config: Mapping[str, Any], parts_dir: Path | None) -> dict[str, np.ndarray]:
    """All arrays of the test split (see module docstring) from the generator config."""
    lattice, sampler = config["lattice"], dict(config["sampler"])
    model = LatticeGas(tuple(lattice["shape"]), lattice["eps0"], lattice["eps"])
    rep_t, rep_mu = replica_grid(config["replicas"])
    temperature, mu = evaluation_grid(config["evaluation"], rep_t, rep_mu)
    n_chains, seed = int(sampler.pop("chains")), int(sampler.pop("seed"))
    # 1. REGC chains, chain c seeded with seed + c
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
    state_t, state_mu = replica_states(rep_t, rep_mu)
    samples = decorrelate(
        [(c["n_ads"], c["bonds"]) for c in chains], model, beta(state_t), state_mu,
        int(config["analysis"]["max_samples_per_state"]),
    )  # fmt: skip
    # 2. exact reference
    start = time.perf_counter()
    dos = exact_dos(model, parts_dir)
    with np.errstate(divide="ignore"):
        exact = grid_thermodynamics(np.log(dos), model, temperature, mu)
    exact_seconds = time.perf_counter() - start
    grid_t, grid_mu = np.meshgrid(temperature, mu, indexing="ij")
    gas = DiatomicGas(**config["gas"]["molecule"])
    return {
        "temperature": temperature,
        "mu": mu,
        "replica_temperature": rep_t,
        "replica_mu": rep_mu,
        "replica_mask": np.isin(temperature, rep_t)[:, None] & np.isin(mu, rep_mu)[None, :],
        "lattice_shape": np.array(model.shape),
        "eps0": np.array(model.eps0),
        "eps": np.array(model.eps),
        "sample_n_ads": samples["n_ads"],
        "sample_bonds": samples["bonds"],
        "samples_per_state": samples["n_k"],
        "train_mask": _train_mask(temperature.size, mu.size, config["analysis"]["train_stride"]),
        "cv_peak_mu": np.asarray(config["analysis"]["cv_peak_mu"], float),
        "log10_pressure": gas.log10_pressure(
            grid_t, grid_mu, float(config["gas"]["reference_pressure"])
        ),
        "gas_name": np.array(gas.name),
        **{name: exact[name] for name in QUANTITIES},
        "dos": dos,
        "sampling_seconds": np.array(sampling_seconds),
        "exact_seconds": np.array(exact_seconds),
        "moves_per_second": np.array(attempted / sampling_seconds),
        "attempted_moves": np.array(attempted),
        "sweeps": np.array(n_chains * sampler["sweeps"]),
        "swap_acceptance": _swap_acceptance(chains),
        "statistical_inefficiency": samples["g_k"] * sampler["sample_interval"],
    }


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


def mbar_training_targets(inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """MBAR's θ and ⟨E⟩/LM with pymbar's uncertainties at the ``train_mask`` grid points.

    Flat arrays ``temperature`` (K), ``mu`` (eV), ``coverage``, ``energy`` (eV) and their
    ``*_sigma``, from the split's inputs by :func:`baselines.regc.solvers.split_mbar`.
    """
    mask = np.asarray(inputs["train_mask"], bool)
    grid_t, grid_mu = np.meshgrid(inputs["temperature"], inputs["mu"], indexing="ij")
    estimates = split_mbar(inputs).expectations(grid_t[mask], grid_mu[mask])
    return {"temperature": grid_t[mask], "mu": grid_mu[mask], **estimates}


class RegcDataModule(L.LightningDataModule):
    """The REGC/exact test split, and MBAR's ⟨N⟩, ⟨E⟩ on the training grid as batches.

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
        self._test: Split | None = None

    def generator_config(self) -> dict[str, Any]:
        """Everything the test split depends on (JSON-able)."""
        return json.loads(json.dumps(self.config))

    def test_split(self) -> Split:
        """The canonical split (built once, then read from the store and verified)."""
        if self._test is None:
            config = self.generator_config()
            self._test = canonical_split(
                "regc", config, lambda parts: build_split(config, parts), self.cache_dir
            )
        return self._test

    def training_targets(self) -> dict[str, np.ndarray]:
        """:func:`mbar_training_targets` of the test split, cached by split id and settings."""
        split = self.test_split()
        key = {"mbar_training_targets": split.split_id, "mbar": MBAR_SETTINGS}
        return cached_arrays(
            "regc", json.loads(json.dumps(key)),
            lambda _: mbar_training_targets(split.inputs), self.cache_dir,
        ).arrays  # fmt: skip

    def setup(self, stage: str | None = None) -> None:
        """Training points: MBAR ⟨N⟩/LM, ⟨E⟩/LM and their uncertainties on the training grid."""
        if hasattr(self, "train_batch"):
            return
        columns = self.training_targets()
        order = np.random.default_rng(self.seed).permutation(columns["temperature"].size)
        n_val = round(self.validation_fraction * order.size)
        as_batch = lambda rows: {  # noqa: E731
            key: torch.as_tensor(columns[key][rows], dtype=torch.float64) for key in BATCH_KEYS
        }
        self.train_batch, self.validation_batch = as_batch(order[n_val:]), as_batch(order[:n_val])

    def train_dataloader(self) -> DataLoader:
        return DataLoader(
            RepeatedBatch(self.steps, lambda: self.train_batch, False), batch_size=None
        )

    def val_dataloader(self) -> DataLoader:
        return DataLoader(RepeatedBatch(1, lambda: self.validation_batch, False), batch_size=None)
