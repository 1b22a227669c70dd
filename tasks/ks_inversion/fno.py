"""FNO for the Kohn–Sham inversion: ground-state density n(x) → exchange–correlation v_xc(x).

Input channels are features of the density on the grid: ``density`` (n, electrons/bohr) and
``log_density`` (ln max(n, 1e-12), which resolves the decaying tails where v_xc is set by
ratios of small densities). Inputs and the target are standardised with constants fitted on the
training systems at the start of the fit (kept in the checkpoint). The loss is the MSE of the
standardised v_xc; being an FNO, the same weights evaluate on any grid over the box.

Two options put known physics into the fit:

- ``prior: exchange`` learns v_xc - v_x[n] instead of v_xc, with v_x = -v_H[n]/2 the exact
  exchange potential of two electrons in one orbital, v_H(x_i) = Σ_j n_j Δx / (|x_i - x_j| + b)
  (b: the interaction softening); the network is left with correlation and the gauge constant.
- ``mirror: true`` reflects a random half of every training batch, n(x) → n(-x) and
  v_xc(x) → v_xc(-x): the exact pair of the mirror-image system (Z2, Z1, d), whose ionisation
  energy, and so gauge, is the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from tasks.training import OperatorModule, Standardiser, build_fno

FEATURES = ("density", "log_density")
PRIORS = ("none", "exchange")
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
        prior: ``none`` or ``exchange`` (learn v_xc + v_H/2, see the module docstring).
        mirror: reflect a random half of every training batch.
        box: grid edges (bohr), for Δx and |x_i - x_j| of the exchange prior on any grid.
        interaction_softening: b of the interaction 1/(|x - x'| + b) (bohr).
        predict_batch: systems per forward pass on the test split. 16 keeps a pass's
            activations (64 channels × 320 points × 4 B per system and field) in a 2 MiB L2
            cache: 1.7–1.8× faster per system on one CPU thread than 73 systems in one pass
            (``exactbench report experiment=ks_molecule_301``); raise it on a GPU.
    """

    def __init__(
        self,
        features: Sequence[str],
        network: Mapping[str, Any],
        optim: Mapping[str, Any],
        prior: str = "none",
        mirror: bool = False,
        box: Sequence[float] = (-10.0, 10.0),
        interaction_softening: float = 1.0,
        predict_batch: int = 16,
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        unknown = set(features) - set(FEATURES)
        if unknown or not features:
            raise ValueError(f"model.features must be a non-empty subset of {FEATURES}")
        if prior not in PRIORS:
            raise ValueError(f"model.prior must be one of {PRIORS}, got {prior!r}")
        self.features = tuple(features)
        self.prior, self.mirror = prior, bool(mirror)
        self.box = (float(box[0]), float(box[1]))
        self.interaction_softening = float(interaction_softening)
        self._kernels: dict[tuple[int, torch.dtype], Tensor] = {}
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
        self.target_scale.fit(v_xc - self.prior_potential(density))

    def prior_potential(self, density: Tensor) -> Tensor:
        """The part of v_xc (B, nx) known in closed form: -v_H[n]/2 (``exchange``) or 0."""
        if self.prior == "none":
            return torch.zeros_like(density)
        return -0.5 * density @ self._hartree_kernel(density.shape[-1], density.dtype)

    def _hartree_kernel(self, nx: int, dtype: torch.dtype) -> Tensor:
        """Δx / (|x_i - x_j| + b) on ``nx`` points of the box, built once per grid and dtype."""
        key = (nx, dtype)
        if key not in self._kernels:
            x = torch.linspace(*self.box, nx, dtype=dtype)
            distance = (x[:, None] - x[None, :]).abs()
            self._kernels[key] = (x[1] - x[0]) / (distance + self.interaction_softening)
        return self._kernels[key]

    def forward(self, density: Tensor) -> Tensor:
        """v_xc (B, nx) in Ha from densities (B, nx)."""
        channels = density_features(density, self.features)
        scaled = torch.stack(
            [scale(channels[:, k]) for k, scale in enumerate(self.input_scales)], dim=1
        )
        learned = self.target_scale.inverse(self.net(scaled)[:, 0])
        return self.prior_potential(density) + learned

    def loss(self, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
        density, v_xc = batch
        if self.mirror and self.training:
            flip = torch.rand(len(density), 1) < 0.5
            density = torch.where(flip, density.flip(-1), density)
            v_xc = torch.where(flip, v_xc.flip(-1), v_xc)
        predicted = self(density)
        mse = (((predicted - v_xc) / self.target_scale.std) ** 2).mean()
        return mse, {"v_xc_mae": (predicted - v_xc).abs().mean().detach()}

    @torch.no_grad()
    def predict_split(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        density = torch.as_tensor(np.array(split["density"], dtype=np.float32))
        v_xc = torch.cat([self(chunk) for chunk in density.split(self.predict_batch)])
        return {"v_xc": v_xc.numpy().astype(float)}
