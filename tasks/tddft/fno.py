"""Autoregressive FNO propagator of the electron density.

Given the last ``t_in`` frames N_t = [n_{t-T_in+1}, ..., n_t] (channels) on a grid, the network
predicts the next frame as an increment, n̂_{t+1} = n_t + G_θ(N_t), and the window slides on:
N_{t+1} = [n_{t-T_in+2}, ..., n_t, n̂_{t+1}]. Training minimises, over windows of the training
movies unrolled ``unroll`` steps (``unroll = 1`` is the seed's one-step loss),

    L = ⟨|n̂ - n|²⟩ + λ ⟨(Σ_i n̂_i Δx - N_e)²⟩,

the second term being the seed's particle-number penalty (N_e = 2 electrons, Δx in bohr).

With ``scale_fields`` the network sees standardised frames, (n - ⟨n⟩)/σ_n, and its output is
scaled to the spread of the training increments, n̂_{t+1} - n_t = σ_Δ G_θ + ⟨Δ⟩ (constants
fitted on the training movies when the fit starts, kept in the checkpoint): the increments of one
frame step are ~100× smaller than the densities, which an unscaled network must learn first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from tasks.training import OperatorModule, Standardiser, build_fno


class AutoregressiveFNO(OperatorModule):
    """FNO mapping ``t_in`` density frames to the next one, rolled out over a whole window.

    Args:
        t_in: input frames.
        unroll: frames predicted per training window (gradients flow through the rollout).
        network: ``modes``, ``width``, ``layers`` (and optional ``padding``) of the FNO.
        norm_weight: λ of the particle-number penalty.
        electrons: N_e, the particle number the density integrates to.
        box: grid edges (bohr); Δx = (b - a)/(nx - 1) for any nx (resolution independence).
        optim: ``lr``, ``weight_decay``, ``total_steps``, ``batch_size``.
        scale_fields: standardise the input frames and the predicted increments.
        predict_batch: systems rolled out together when predicting the test split.
    """

    nan_hint = "lower model.optim.lr or model.norm_weight"

    def __init__(
        self,
        t_in: int,
        unroll: int,
        network: Mapping[str, Any],
        norm_weight: float,
        electrons: float,
        box: Sequence[float],
        optim: Mapping[str, Any],
        scale_fields: bool = False,
        predict_batch: int = 128,
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        if t_in < 1 or unroll < 1:
            raise ValueError(f"model.t_in and model.unroll must be >= 1, got {t_in}, {unroll}")
        self.t_in, self.unroll = int(t_in), int(unroll)
        self.norm_weight, self.electrons = float(norm_weight), float(electrons)
        self.box = (float(box[0]), float(box[1]))
        self.predict_batch = int(predict_batch)
        self.net = build_fno(self.t_in, 1, network)
        self.scale_fields = bool(scale_fields)
        self.frame_scale, self.increment_scale = Standardiser(), Standardiser()

    def on_fit_start(self) -> None:
        """Fit the field scales on the training movies (unless resumed from a checkpoint)."""
        if self.trainer.ckpt_path or not self.scale_fields:
            return
        movies = self.trainer.datamodule.training_movies()
        self.frame_scale.fit(movies)
        self.increment_scale.fit(movies.diff(dim=1))

    def dx(self, nx: int) -> float:
        return (self.box[1] - self.box[0]) / (nx - 1)

    def forward(self, frames: Tensor) -> Tensor:
        """Next frame (B, nx) from the last ``t_in`` frames (B, t_in, nx)."""
        if not self.scale_fields:
            return frames[:, -1] + self.net(frames)[:, 0]
        increment = self.net(self.frame_scale(frames))[:, 0]
        return frames[:, -1] + self.increment_scale.inverse(increment)

    def rollout(self, frames: Tensor, n_steps: int) -> Tensor:
        """``n_steps`` predicted frames (B, n_steps, nx) following the input frames."""
        window, predicted = frames, []
        for _ in range(n_steps):
            following = self(window)
            predicted.append(following)
            window = torch.cat([window[:, 1:], following[:, None]], dim=1)
        return torch.stack(predicted, dim=1)

    def _loss_terms(self, predicted: Tensor, target: Tensor) -> dict[str, Tensor]:
        number = predicted.sum(dim=-1) * self.dx(predicted.shape[-1])
        return {
            "mse": ((predicted - target) ** 2).mean(),
            "norm": ((number - self.electrons) ** 2).mean(),
        }

    def loss(self, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
        (window,) = batch
        predicted = self.rollout(window[:, : self.t_in], self.unroll)
        terms = self._loss_terms(predicted, window[:, self.t_in :])
        return terms["mse"] + self.norm_weight * terms["norm"], terms

    def validation_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> None:
        """Roll the validation movies out from their first ``t_in`` frames; log the errors."""
        (movies,) = batch
        predicted = self.rollout(movies[:, : self.t_in], movies.shape[1] - self.t_in)
        error = predicted - movies[:, self.t_in :]
        self.log("val/rollout_mae", error.abs().mean(), prog_bar=True)
        self.log("val/rollout_mse", (error**2).mean())

    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Rollouts of the test systems from the observed frames [start, start + t_in).

        Reads the split's inputs ``observed_density`` (frames before ``score_from``),
        ``rollout_start``, ``score_from`` and ``t`` (the frames to fill). Frames before
        ``start + t_in`` are the observed ones (copied); the evaluator scores only frames from
        ``score_from`` on.
        """
        observed = np.asarray(inputs["observed_density"], np.float32)
        start, score_from = int(inputs["rollout_start"]), int(inputs["score_from"])
        first = start + self.t_in
        if first > score_from:
            raise ValueError(
                f"a rollout from frame {start} with t_in={self.t_in} reads frames up to "
                f"{first - 1}, but only frames before the first scored frame {score_from} are "
                f"observed: raise task.score_from to at least {first} or lower "
                "task.rollout_start / model.t_in"
            )
        n_systems, n_frames = observed.shape[0], len(inputs["t"])
        predicted = np.empty((n_systems, n_frames, observed.shape[2]), np.float32)
        predicted[:, :first] = observed[:, :first]
        for lo in range(0, n_systems, self.predict_batch):
            window = torch.as_tensor(observed[lo : lo + self.predict_batch, start:first])
            predicted[lo : lo + self.predict_batch, first:] = self.rollout(
                window, n_frames - first
            ).numpy()
        steps = np.array(n_frames - first)
        return {"density": predicted.astype(float), "propagated_frames": steps}
