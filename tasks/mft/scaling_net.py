"""Model (b): a network for the scaling function f in C(t1, t2) = √t2 · f(t1/t2), t1 ≤ t2.

Diffusive scaling (x ~ √t) makes every equilibrium two-time correlation a function of the
ratio r = t1/t2 times √t2. The network represents f(r) = u · N_c(u, v) for each case c, with
u = √r and, if ``increment_feature``, v = √(1 - r): Q(0) = 0 forces f(0) = 0; u is the
diffusive variable in which annealed (f ~ √r) and quenched (f ~ r) small-r behaviours are
both smooth; v is the generic short-time law of a diffusive current, whose increments grow
as ⟨(Q(t2) - Q(t1))²⟩ ∝ √(t2 - t1), and lets the network follow the cusp at r → 1 that the
time grid cannot resolve (no pair has 0.84 < r < 1 on t = s²). It is fitted by χ² to the
simulated C/√t2 and compared with the exact f of (49)/(48); σ and D are not separately
identifiable from f (only σ/√D is), so they are not predicted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from baselines.mft.predictors import empty_predictions
from tasks.mft.fitting import equilibrium_pairs
from tasks.nets import mlp
from tasks.training import AdamThenLBFGS


class ScalingNet(AdamThenLBFGS):
    """One MLP N_c(u) per case; f_c(r) = √r · N_c(√r).

    Args:
        cases: the task's cases (their number sets the number of networks).
        t_min: earliest time fitted.
        network: ``width``, ``depth``, ``activation`` of each MLP.
        increment_feature: also feed v = √(1 - r) to the networks.
        optim: see :class:`tasks.training.AdamThenLBFGS`; ``total_steps`` for the trainer.
    """

    def __init__(
        self,
        cases: Sequence[Mapping[str, Any]],
        t_min: float,
        network: Mapping[str, Any],
        increment_feature: bool,
        optim: Mapping[str, Any],
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        self.t_min, self.increment_feature = float(t_min), bool(increment_feature)
        n_in = 2 if self.increment_feature else 1
        self.nets = nn.ModuleList([mlp(n_in, 1, **network) for _ in cases])

    def scaling(self, case: Tensor, r: Tensor) -> Tensor:
        """f_case(r) for entries of ``case`` (long) and ``r`` ∈ [0, 1]."""
        r = r.to(next(self.parameters()).dtype)
        u = torch.sqrt(r)
        inputs = [2 * u - 1]
        if self.increment_feature:
            inputs.append(2 * torch.sqrt(torch.clamp(1 - r, min=0.0)) - 1)
        features = torch.stack(inputs, dim=1)
        out = torch.zeros_like(u)
        for c, net in enumerate(self.nets):
            rows = case == c
            if rows.any():
                out[rows] = u[rows] * net(features[rows]).squeeze(1)
        return out

    def objective(self, batch: Mapping[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        pairs = equilibrium_pairs(batch, self.t_min)
        scale = torch.sqrt(pairs["t2"])
        f = self.scaling(pairs["case"], pairs["t1"] / pairs["t2"])
        z = (f - pairs["value"] / scale) / (pairs["error"] / scale)
        return torch.mean(z.double() ** 2), {}

    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """f on the inputs' r grid and C = √max · f(min/max) on their time grid."""
        out = empty_predictions(inputs)
        r = torch.from_numpy(np.array(inputs["r"], float))  # a writable copy
        for c in range(len(inputs["case"])):
            case = torch.full_like(r, c, dtype=torch.long)
            out["scaling"][c] = self.scaling(case, r).double().cpu().numpy()
        times = np.asarray(inputs["t"], float)
        low, high = np.minimum.outer(times, times), np.maximum.outer(times, times)
        ratio = torch.as_tensor((low / high).ravel())
        for s, c in enumerate(inputs["system_case"]):
            if inputs["rho_a"][s] == inputs["rho_b"][s]:
                case = torch.full_like(ratio, int(c), dtype=torch.long)
                f = self.scaling(case, ratio).double().cpu().numpy().reshape(low.shape)
                out["corr"][s] = np.sqrt(high) * f
        return out
