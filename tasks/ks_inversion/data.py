"""Systems of the Kohn–Sham inversion task: exact densities and potentials, splits, loaders.

Each two-electron system (Z1, Z2, d) is solved exactly (``baselines.ks_inversion``): ground-state
density n(x) (electrons/bohr), external, Hartree, KS and exchange–correlation potentials (Ha) on
the ``physics.nx`` grid. The parameter set is split into train / val / test either at random
(``split.mode: random``, equivalent systems kept in one part) or by holding out the largest
separations (``split.mode: extrapolate``: test = systems with d ≥ ``split.d_min``, the seed's
"301 E"). Training and validation systems (``tasks.cache``, with their v_xc targets) and the
test split (a canonical ``tasks.splits.Split``, ``tasks/ks_inversion/spec.py``: densities,
external potentials and the gauge -I as inputs, the potentials as references) are stored
separately, so a baseline run solves only the test systems; the test systems can be solved on
a finer grid (``test_nx``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import TensorDataset

from baselines.ks_inversion.exact import solve_system
from baselines.ks_inversion.systems import parameter_grid
from baselines.ks_inversion.systems import split_indices as equivalent_together
from baselines.parallel import map_parameters
from tasks.cache import CachedArrays, cached_arrays
from tasks.splits import Split, canonical_split
from tasks.training import eval_loader, step_loader

SPLIT_MODES = ("random", "extrapolate")
# Physics settings stored in every split beside the grid, so a split alone defines its systems.
SPLIT_PHYSICS = ("softening", "interaction_softening", "stencil", "density_floor")


def solve_systems(params: np.ndarray, physics: Mapping[str, Any], parts_dir: Path | None) -> dict:
    """Exact densities and potentials of the systems ``params`` (rows Z1, Z2, d), all cores,
    with the physics settings of ``SPLIT_PHYSICS`` as scalars."""
    arrays = map_parameters(
        solve_system, params, physics, description=f"exact two-electron systems ({len(params)})",
        parts_dir=parts_dir,
    )  # fmt: skip
    arrays["x"] = arrays["x"][0]
    settings = {key: np.array(float(physics[key])) for key in SPLIT_PHYSICS}
    return {"params": np.asarray(params, float), **arrays, **settings}


def split_indices(params: np.ndarray, split: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Indices of the train / val / test systems (see module docstring).

    Equivalent systems stay in one part (``baselines.ks_inversion.systems.split_indices``).
    """
    mode = split.get("mode", "random")
    if mode not in SPLIT_MODES:
        raise ValueError(f"task.split.mode must be one of {SPLIT_MODES}, got {mode!r}")
    seed = int(split["seed"])
    if mode == "random":
        sizes = [int(split[key]) for key in ("train", "val", "test")]
        return equivalent_together(params, sizes, seed)
    held_out = params[:, 2] >= float(split["d_min"])
    if not held_out.any() or held_out.all():
        raise ValueError(
            f"task.split.d_min = {split['d_min']} must leave systems on both sides of the cut"
        )
    rest = np.flatnonzero(~held_out)
    n_val = int(split["val"])
    parts = equivalent_together(params[rest], [len(rest) - n_val, n_val, 0], seed)
    return {
        "train": rest[parts["train"]],
        "val": rest[parts["val"]],
        "test": np.flatnonzero(held_out),
    }


class KSDataModule(L.LightningDataModule):
    """Exact systems, (density → v_xc) training pairs and the official test split.

    Args:
        physics: grid and interaction (box, nx, softening, interaction_softening, stencil).
        systems: parameter ranges ``{Z1, Z2, d: [low, high, count]}`` (a full grid).
        split: ``mode`` (random | extrapolate), ``train``, ``val``, ``test`` counts (random:
            they must add up to the number of systems), ``d_min`` (extrapolate), ``seed``.
        test_nx: grid of the test systems (``null``: ``physics.nx``).
        fit_on: ``train`` (density → v_xc pairs of the training systems, for learned maps) or
            ``test`` (the test split's inputs alone, for per-system inversions such as the
            PINN: every step sees ``(x, densities)`` of all test systems; no v_xc is given).
        batch_size, steps: mini-batch size and optimiser steps of the fit.
        cache_dir: root of the data cache (``None``: in memory).
        seed: seed of the batch order.
    """

    def __init__(
        self,
        physics: Mapping[str, Any],
        systems: Mapping[str, Any],
        split: Mapping[str, Any],
        test_nx: int | None,
        fit_on: str,
        batch_size: int,
        steps: int,
        cache_dir: str | None,
        seed: int,
    ) -> None:
        super().__init__()
        self.physics, self.systems, self.split = dict(physics), dict(systems), dict(split)
        if fit_on not in ("train", "test"):
            raise ValueError(f"task.datamodule.fit_on must be 'train' or 'test', got {fit_on!r}")
        self.test_nx, self.fit_on = test_nx, fit_on
        self.batch_size, self.steps, self.seed = int(batch_size), int(steps), int(seed)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.params = parameter_grid(self.systems)
        self.indices = split_indices(self.params, self.split)
        self._fit: CachedArrays | None = None
        self._test: Split | None = None

    def fit_systems(self) -> CachedArrays:
        """Training then validation systems, solved on the training grid (cached)."""
        if self._fit is None:
            params = self.params[np.concatenate([self.indices["train"], self.indices["val"]])]
            config = {"physics": self.physics, "params": params.tolist()}
            self._fit = cached_arrays(
                "ks_inversion", config, lambda parts: solve_systems(params, self.physics, parts),
                self.cache_dir,
            )  # fmt: skip
        return self._fit

    def generator_config(self) -> dict[str, Any]:
        """What the test split depends on: the test systems and their physics (``test_nx``)."""
        physics = copy.deepcopy(self.physics)
        if self.test_nx:
            physics["nx"] = int(self.test_nx)
        return {"physics": physics, "params": self.params[self.indices["test"]].tolist()}

    def test_split(self) -> Split:
        """The canonical test split: the test systems (on ``test_nx`` points when set), solved
        exactly; predictors read its ``inputs``."""
        if self._test is None:
            config = self.generator_config()
            params = np.array(config["params"], dtype=float).reshape(-1, 3)

            def build(parts: Path | None) -> dict[str, np.ndarray]:
                return solve_systems(params, config["physics"], parts)

            self._test = canonical_split("ks_inversion", config, build, self.cache_dir)
        return self._test

    def _pairs(self, part: str) -> TensorDataset:
        arrays = self.fit_systems().arrays
        n_train = len(self.indices["train"])
        rows = slice(0, n_train) if part == "train" else slice(n_train, None)
        return TensorDataset(
            torch.as_tensor(arrays["density"][rows], dtype=torch.float32),
            torch.as_tensor(arrays["v_xc"][rows], dtype=torch.float32),
        )

    def train_pairs(self) -> TensorDataset:
        """(density, v_xc) of the training systems, shapes (n, nx)."""
        return self._pairs("train")

    def train_dataloader(self):
        if self.fit_on == "test":
            inputs = self.test_split().inputs
            grid_and_densities = TensorDataset(
                torch.as_tensor(np.array(inputs["x"]), dtype=torch.float32)[None],
                torch.as_tensor(np.array(inputs["density"]), dtype=torch.float32)[None],
            )
            return step_loader(grid_and_densities, 1, self.steps, self.seed)
        return step_loader(self.train_pairs(), self.batch_size, self.steps, self.seed)

    def val_dataloader(self):
        if self.fit_on == "test":  # a per-system inversion has no held-out systems
            return []
        return eval_loader(self._pairs("val"), self.batch_size)
