"""FNO for the Kohn–Sham inversion: ground-state density n(x) → exchange–correlation v_xc(x).

Input channels are features of the density on the grid: ``density`` (n, electrons/bohr) and
``log_density`` (ln max(n, 1e-12), which resolves the decaying tails where v_xc is set by
ratios of small densities). Inputs and the target are standardised with constants fitted on the
training systems at the start of the fit (kept in the checkpoint). The loss is the MSE of the
standardised v_xc; being an FNO, the same weights evaluate on any grid over the box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from tasks.training import OperatorModule, Standardiser, build_fno

FEATURES = ("density", "log_density")
DENSITY_FLOOR = 1e-12


def density_features(density: Tensor, features: Sequence[str]) -> Tensor:
    """Channels (B, len(features), nx) built from densities (B, nx)."""
    channels = {
        "density": lambda: density,
        "log_density": lambda: torch.log(density.clamp_min(DENSITY_FLOOR)),
    }
    return torch.stack([channels[name]() for name in features], dim=1)


class KSInversionFNO(OperatorModule):
    """density → v_xc with a 1D FNO.

    Args:
        features: input channels, a subset of ``FEATURES``.
        network: ``modes``, ``width``, ``layers`` (and optional ``padding``) of the FNO.
        optim: ``lr``, ``weight_decay``, ``total_steps``, ``batch_size``.
        predict_batch: systems per forward pass on the test split.
    """

    def __init__(
        self,
        features: Sequence[str],
        network: Mapping[str, Any],
        optim: Mapping[str, Any],
        predict_batch: int = 256,
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        unknown = set(features) - set(FEATURES)
        if unknown or not features:
            raise ValueError(f"model.features must be a non-empty subset of {FEATURES}")
        self.features = tuple(features)
        self.predict_batch = int(predict_batch)
        self.net = build_fno(len(self.features), 1, network)
        self.input_scales = nn.ModuleList(Standardiser() for _ in self.features)
        self.target_scale = Standardiser()

    def on_fit_start(self) -> None:
        """Fit the standardisers on the training systems (unless resumed from a checkpoint)."""
        if self.trainer.ckpt_path:
            return
        density, v_xc = self.trainer.datamodule.train_pairs().tensors
        channels = density_features(density, self.features)
        for k, scale in enumerate(self.input_scales):
            scale.fit(channels[:, k])
        self.target_scale.fit(v_xc)

    def forward(self, density: Tensor) -> Tensor:
        """v_xc (B, nx) in Ha from densities (B, nx)."""
        channels = density_features(density, self.features)
        scaled = torch.stack(
            [scale(channels[:, k]) for k, scale in enumerate(self.input_scales)], dim=1
        )
        return self.target_scale.inverse(self.net(scaled)[:, 0])

    def loss(self, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
        density, v_xc = batch
        predicted = self(density)
        mse = ((self.target_scale(predicted) - self.target_scale(v_xc)) ** 2).mean()
        return mse, {"v_xc_mae": (predicted - v_xc).abs().mean().detach()}

    @torch.no_grad()
    def predict_split(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        density = torch.as_tensor(np.array(split["density"], dtype=np.float32))
        v_xc = torch.cat([self(chunk) for chunk in density.split(self.predict_batch)])
        return {"v_xc": v_xc.numpy().astype(float)}
