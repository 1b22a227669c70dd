"""Density movies of the TDDFT task: generation, splits, training windows, the test split.

Every system (Z1, Z2, d) is propagated by the reference TDKS propagator
(``baselines.tddft``) from its ground state under the laser, giving ``n(x, t)`` on the
``physics.nx`` grid at ``physics.frames.n`` times spaced by ``physics.frames.dt`` (ħ/E_h). The
movies are cached under ``data/tddft`` with a checksum; generation runs on every core and
resumes after an interruption. Systems are split (in sampling order) into train / val / test;
the training and validation movies (``tasks.cache``) and the test split (a canonical
``tasks.splits.Split``) are stored separately, so a baseline run generates only the test systems.

A training sample is a window of ``t_in + unroll`` consecutive frames of one training system;
the model sees the first ``t_in`` and predicts the rest. The test split (``tasks/tddft/spec.py``)
gives predictors the systems, grid (optionally finer, ``test_nx``: the super-resolution study),
frame times, the first input frame of the rollouts, ``rollout_start`` (the time-offset study),
the first scored frame, ``score_from`` (so every T_in is scored on the same frames), and the
frames before it, ``observed_density``; the full movies ``density`` are its reference.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from baselines.parallel import map_parameters
from baselines.tddft.simulate import sample_systems, simulate_system
from tasks.cache import CachedArrays, cached_arrays
from tasks.splits import Split, canonical_split
from tasks.training import eval_loader, step_loader


def simulate_movies(params: np.ndarray, physics: Mapping[str, Any], parts_dir: Path | None) -> dict:
    """Reference density movies of the systems ``params`` (rows Z1, Z2, d), all cores."""
    movies = map_parameters(
        simulate_system,
        params,
        physics,
        description=f"TDKS movies ({len(params)} systems)",
        parts_dir=parts_dir,
    )["density"]
    x = np.linspace(*physics["box"], int(physics["nx"]))
    t = float(physics["frames"]["dt"]) * np.arange(int(physics["frames"]["n"]))
    return {"params": np.asarray(params, float), "x": x, "t": t, "density": movies}


class WindowDataset(Dataset):
    """Every run of ``length`` consecutive frames of every movie: item (window,) of shape
    (length, nx); windows start at frames 0, 1, ..., n_frames - length."""

    def __init__(self, movies: torch.Tensor, length: int) -> None:
        n_frames = movies.shape[1]
        if length > n_frames:
            raise ValueError(
                f"windows of {length} frames need movies of at least {length} frames, got "
                f"{n_frames}: lower model.t_in / model.unroll or raise task.physics.frames.n"
            )
        self.movies, self.length = movies, length
        self.per_movie = n_frames - length + 1

    def __len__(self) -> int:
        return len(self.movies) * self.per_movie

    def __getitem__(self, index: int) -> tuple[torch.Tensor]:
        movie, start = divmod(index, self.per_movie)
        return (self.movies[movie, start : start + self.length],)


class TDDFTDataModule(L.LightningDataModule):
    """Reference movies, training windows and the official test split.

    Args:
        physics: the TDKS system (box, nx, softening, xc, laser, frames, reference step); see
            ``conf/task/tddft.yaml``.
        systems: ``n`` systems sampled with ``ranges`` and ``seed`` (atoms and diatomics).
        split: ``train``, ``val``, ``test`` counts (in sampling order; sum ≤ n).
        score_from: first frame index that is scored (the same for every T_in).
        rollout_start: first input frame of the test rollouts (> 0: the "time offset" study).
        test_nx: grid of the test movies (``null``: the training grid).
        window: frames per training sample (the model's ``t_in + unroll``).
        batch_size, steps: mini-batch size and optimiser steps of the fit.
        cache_dir: root of the data cache (``None``: in memory).
        seed: seed of the batch order.
    """

    def __init__(
        self,
        physics: Mapping[str, Any],
        systems: Mapping[str, Any],
        split: Mapping[str, int],
        score_from: int,
        rollout_start: int,
        test_nx: int | None,
        window: int,
        batch_size: int,
        steps: int,
        cache_dir: str | None,
        seed: int,
    ) -> None:
        super().__init__()
        self.physics, self.systems, self.split = dict(physics), dict(systems), dict(split)
        n_needed = sum(int(self.split[k]) for k in ("train", "val", "test"))
        if n_needed > int(self.systems["n"]):
            raise ValueError(
                f"task.split asks for {n_needed} systems but task.systems.n is "
                f"{self.systems['n']}: raise task.systems.n or shrink the split"
            )
        n_frames = int(self.physics["frames"]["n"])
        if not 0 < int(score_from) < n_frames:
            raise ValueError(f"task.score_from must be in 1..{n_frames - 1}, got {score_from}")
        if not 0 <= int(rollout_start) < int(score_from):
            raise ValueError(
                f"task.rollout_start must be in 0..score_from-1, got {rollout_start} "
                f"(score_from={score_from})"
            )
        self.score_from, self.rollout_start = int(score_from), int(rollout_start)
        self.test_nx = test_nx
        self.window, self.batch_size, self.steps = int(window), int(batch_size), int(steps)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.seed = int(seed)
        self._movies: CachedArrays | None = None
        self._test: Split | None = None

    def _params(self) -> np.ndarray:
        return sample_systems(
            int(self.systems["n"]), self.systems["ranges"], int(self.systems["seed"])
        )

    def _slices(self) -> dict[str, slice]:
        n_train, n_val = int(self.split["train"]), int(self.split["val"])
        n_test = int(self.split["test"])
        return {
            "train": slice(0, n_train),
            "val": slice(n_train, n_train + n_val),
            "test": slice(n_train + n_val, n_train + n_val + n_test),
        }

    def movies(self) -> CachedArrays:
        """Reference movies of the training and validation systems (cached)."""
        if self._movies is None:
            params = self._params()[: self._slices()["test"].start]
            config = {"physics": self.physics, "params": params.tolist()}
            self._movies = cached_arrays(
                "tddft", config, lambda parts: simulate_movies(params, self.physics, parts),
                self.cache_dir,
            )  # fmt: skip
        return self._movies

    def generator_config(self) -> dict[str, Any]:
        """What the test split depends on: test physics (grid ``test_nx``), systems, protocol."""
        physics = copy.deepcopy(self.physics)
        if self.test_nx:
            physics["nx"] = int(self.test_nx)
        test_params = self._params()[self._slices()["test"]]
        return {
            "physics": physics,
            "params": test_params.tolist(),
            "score_from": self.score_from,
            "rollout_start": self.rollout_start,
        }

    def test_split(self) -> Split:
        """The canonical test split: reference movies hidden, frames before ``score_from`` shown."""
        if self._test is None:
            config = self.generator_config()

            def build(parts: Path | None) -> dict[str, np.ndarray]:
                movies = simulate_movies(np.array(config["params"]), config["physics"], parts)
                protocol = {key: np.array(config[key]) for key in ("score_from", "rollout_start")}
                observed = movies["density"][:, : self.score_from].copy()  # no view of the answer
                return movies | protocol | {"observed_density": observed}

            self._test = canonical_split("tddft", config, build, self.cache_dir)
        return self._test

    def _movies_of(self, part: str) -> torch.Tensor:
        density = self.movies().arrays["density"][self._slices()[part]]
        return torch.as_tensor(density, dtype=torch.float32)

    def training_movies(self) -> torch.Tensor:
        """Reference movies of the training systems, (systems, frames, nx)."""
        return self._movies_of("train")

    def train_dataloader(self):
        dataset = WindowDataset(self._movies_of("train"), self.window)
        return step_loader(dataset, self.batch_size, self.steps, self.seed)

    def val_dataloader(self):
        """Whole validation movies: the model rolls them out and scores the rollout."""
        return eval_loader(TensorDataset(self._movies_of("val")), self.batch_size)
