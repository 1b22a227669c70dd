"""Training points and the official test split of the harmonic-oscillator PINN task.

Coordinates are atomic units: positions in bohr, times in ħ/E_h, ω in E_h/ħ. Every point is a
row ``(x_1, ..., x_d, t, ω)``; ω is a column even when it is fixed, so the residual always
reads it from the input. The test split is the exact state (``psi01`` or ``entangled``,
``baselines.qho.exact``) on a uniform (x, t) grid for each test ω, a canonical split
(:mod:`tasks.splits`) whose inputs are the grid and whose references are ``u``, ``v``
(:mod:`tasks.qho.spec`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from scipy.stats import qmc
from torch.utils.data import DataLoader

from baselines.qho.exact import STATES, psi, psi_on_grid
from tasks.splits import Split, canonical_split
from tasks.training import RepeatedBatch

SAMPLERS = ("sobol", "lhs", "uniform")


def sample_box(
    n: int, low: Sequence[float], high: Sequence[float], sampler: str, rng: np.random.Generator
) -> np.ndarray:
    """``n`` points in the box [low, high] (one column per dimension) from a named sampler."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")
    low_arr, high_arr = np.asarray(low, float), np.asarray(high, float)
    if n == 0:
        return np.empty((0, low_arr.size))
    seed = int(rng.integers(2**31))
    if sampler == "sobol":
        unit = qmc.Sobol(low_arr.size, scramble=True, seed=seed).random(n)
    elif sampler == "lhs":
        unit = qmc.LatinHypercube(low_arr.size, seed=seed).random(n)
    else:
        unit = rng.random((n, low_arr.size))
    return low_arr + unit * (high_arr - low_arr)


def exact_targets(points: np.ndarray, dim: int, state: str = "psi01") -> np.ndarray:
    """Exact (u, v) of the named state at rows ``(x_1..x_d, t, ω)``; shape (n, 2)."""
    coords = [points[:, k] for k in range(dim)]
    u, v = psi(coords, points[:, dim], points[:, dim + 1], state)
    return np.stack([u, v], axis=1)


def build_test_split(
    dim: int,
    x_range: Sequence[float],
    t_range: Sequence[float],
    test: Mapping[str, Any],
    state: str = "psi01",
) -> dict[str, np.ndarray]:
    """Exact ψ on a uniform grid for each test ω: arrays ``u``, ``v`` of shape (n_ω, n_t, n_x^d).

    ``slices`` (optional, 3D figures) are rows ``(axis, coordinate, t)``; the evaluator scores
    the (u, v) MSE on the grid plane nearest to each.
    """
    axis = np.linspace(*x_range, int(test["nx"]))
    times = np.linspace(*t_range, int(test["nt"]))
    omegas = np.asarray(test["omega"], float)
    u, v = psi_on_grid(axis, times, omegas, dim, state)
    slices = np.asarray(test.get("slices") or np.empty((0, 3)), float).reshape(-1, 3)
    return {"axis": axis, "t": times, "omega": omegas, "u": u, "v": v, "slices": slices}


class QHODataModule(L.LightningDataModule):
    """Collocation, boundary, initial and (optional) supervised points, and the test split.

    Args:
        dim: number of spatial dimensions (1..3).
        domain: ``x`` (box edges, same on every axis), ``t`` (time window), ``omega`` (training
            range of ω; equal ends mean a single ω).
        test: ``omega`` (list of test ω), ``nx``, ``nt`` (grid points per axis), ``slices``.
        boundary: ``exact`` (Dirichlet values of the exact state, ~1e-2 at x = ±π) or ``zero``.
        collocation: ``n`` points, ``sampler`` (sobol | lhs | uniform), ``resample`` each step.
        n_boundary, n_initial: points on the box faces (all faces together) and at t = 0.
        supervised: ``n`` exact samples in ``t ∈ [t0, t_max]`` for the data-driven loss.
        n_validation: exact samples for the validation metric (never used for training).
        steps: optimisation steps per fit (the length of the training loader).
        cache_dir: root of the split store (``None``: build in memory, write nothing).
        seed: seed of every random draw here.
        state: initial state, ``psi01`` (product) or ``entangled`` (sum of two products).
    """

    def __init__(
        self,
        dim: int,
        domain: Mapping[str, Sequence[float]],
        test: Mapping[str, Any],
        boundary: str,
        collocation: Mapping[str, Any],
        n_boundary: int,
        n_initial: int,
        supervised: Mapping[str, Any],
        n_validation: int,
        steps: int,
        cache_dir: str | None,
        seed: int,
        state: str = "psi01",
    ) -> None:
        super().__init__()
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}; choose one of {STATES}")
        self.state = state
        if dim not in (1, 2, 3):
            raise ValueError(f"task.dim must be 1, 2 or 3, got {dim}")
        if boundary not in ("exact", "zero"):
            raise ValueError(f"boundary must be 'exact' or 'zero', got {boundary!r}")
        self.dim, self.boundary, self.steps = dim, boundary, int(steps)
        self.x_range = tuple(float(e) for e in domain["x"])
        self.t_range = tuple(float(e) for e in domain["t"])
        self.omega_range = tuple(float(e) for e in domain["omega"])
        self.test_config = dict(test)  # plain (JSON-able) values: part of the split's key
        self.collocation = dict(collocation)
        self.n_boundary, self.n_initial = int(n_boundary), int(n_initial)
        self.supervised = dict(supervised)
        self.n_validation = int(n_validation)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.rng = np.random.default_rng(seed)
        self._test: Split | None = None

    # -- official test split -------------------------------------------------------------
    def generator_config(self) -> dict[str, Any]:
        """Everything the test split depends on (its store key)."""
        return {
            "state": self.state,
            "dim": self.dim,
            "x": list(self.x_range),
            "t": list(self.t_range),
            "test": self.test_config,
        }

    def test_split(self) -> Split:
        """The exact test split (built once, then loaded from the store and verified)."""
        if self._test is None:
            self._test = canonical_split(
                "qho",
                self.generator_config(),
                lambda _parts: build_test_split(
                    self.dim, self.x_range, self.t_range, self.test_config, self.state
                ),
                self.cache_dir,
            )
        return self._test

    # -- training points -----------------------------------------------------------------
    def _box(self, t_range: Sequence[float] | None = None) -> tuple[list[float], list[float]]:
        t_low, t_high = t_range or self.t_range
        low = [self.x_range[0]] * self.dim + [t_low, self.omega_range[0]]
        high = [self.x_range[1]] * self.dim + [t_high, self.omega_range[1]]
        return low, high

    def _labelled(self, points: np.ndarray) -> dict[str, torch.Tensor]:
        return {
            "inputs": torch.as_tensor(points, dtype=torch.float32),
            "targets": torch.as_tensor(
                exact_targets(points, self.dim, self.state), dtype=torch.float32
            ),
        }

    def _boundary_points(self) -> dict[str, torch.Tensor]:
        low, high = self._box()
        points = sample_box(self.n_boundary, low, high, "uniform", self.rng)
        faces = self.rng.integers(0, 2 * self.dim, size=len(points))
        for face in range(2 * self.dim):
            points[faces == face, face // 2] = self.x_range[face % 2]
        batch = self._labelled(points)
        if self.boundary == "zero":
            batch["targets"].zero_()
        return batch

    def _collocation_batch(self) -> dict[str, Any]:
        low, high = self._box()
        points = sample_box(
            int(self.collocation["n"]), low, high, self.collocation["sampler"], self.rng
        )
        return {"collocation": torch.as_tensor(points, dtype=torch.float32)}

    def setup(self, stage: str | None = None) -> None:
        """Draw the fixed point sets once (deterministic from the seed)."""
        if hasattr(self, "fixed_points"):
            return
        low, high = self._box()
        initial = sample_box(self.n_initial, low, high, "uniform", self.rng)
        initial[:, self.dim] = self.t_range[0]
        supervised_t = self.supervised.get("t") or self.t_range
        supervised = sample_box(
            int(self.supervised.get("n", 0)), *self._box(supervised_t), "uniform", self.rng
        )
        self.fixed_points = {
            "boundary": self._boundary_points(),
            "initial": self._labelled(initial),
            "supervised": self._labelled(supervised),
        }
        self.validation_points = self._labelled(
            sample_box(self.n_validation, low, high, "sobol", self.rng)
        )

    def _batch(self) -> dict[str, Any]:
        return {**self._collocation_batch(), **self.fixed_points}

    def train_dataloader(self) -> DataLoader:
        dataset = RepeatedBatch(self.steps, self._batch, bool(self.collocation.get("resample")))
        return DataLoader(dataset, batch_size=None, shuffle=False)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(RepeatedBatch(1, lambda: self.validation_points, False), batch_size=None)
