"""Model (a): the MFT form with σ and D of every case as learned parameters.

For a case in setting s at density ρ the model is

    Σ(t1, t2) = σ/√(πD) · g_s(t1, t2) [+ a √(min(t1,t2)/max(t1,t2)) + b δ_{t1,t2}]   (equilibrium),
    μ(t) = (ρ_a - ρ_b) √(D t/π)                                        (step mean current),

with g_s the annealed (49) or quenched (48) shape. It is fitted by Gaussian (quasi-)maximum
likelihood of the simulated samples on the times ≥ ``t_min``: for each equilibrium system
the Wishart deviance n·[tr(Σ⁻¹S) - log det(Σ⁻¹S) - K] of its sample covariance S, and for
each step n·(m - μ)ᵀ S⁻¹ (m - μ) of its sample mean m. Unlike a fit of the entries of S one by
one, this weighs the strongly correlated entries correctly (an efficient estimator).

Identifiability: the equilibrium correlations fix only σ/√D (time enters every two-time
formula as √t, so changing D and σ together at fixed σ/√D leaves them unchanged; the
annealed/quenched pair shares the same ratio). The mean current of a step is the linear
response to a density gradient and depends on D alone, so the step fixes D and with it σ.
The optional terms in brackets (cases listed in ``lattice_offset``) absorb the O(1)
finite-time correction of deterministic SSEP initial states (the MFT terms grow as √t): the
exact lattice covariance (:func:`baselines.mft.lattice.ssep_fixed_start_covariance`)
exceeds (48) by ≈ 0.055 √(min/max) + 0.0075 δ at ρ = 1/2 (a local, quickly decorrelating
part at equal times). They are not part of the predicted surface. Parameters: log σ, log D,
a, b per case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from baselines.mft.formulas import mean_current_mft, scaling_function, two_time_mft
from baselines.mft.predictors import empty_predictions
from tasks.mft.fitting import covariance_blocks, wishart_deviance
from tasks.training import AdamThenLBFGS


def shape_matrix(quenched: bool, t: Tensor) -> Tensor:
    """½[√t1 + √t2 - √|t1-t2|] (annealed) or ½[√(t1+t2) - √|t1-t2|] (quenched) on t × t."""
    t1, t2 = t[:, None], t[None, :]
    gap = torch.sqrt(torch.abs(t1 - t2))
    if quenched:
        return 0.5 * (torch.sqrt(t1 + t2) - gap)
    return 0.5 * (torch.sqrt(t1) + torch.sqrt(t2) - gap)


class MFTForm(AdamThenLBFGS):
    """σ, D (and optionally lattice-correction terms a, b) per case (see module docstring).

    Args:
        cases: the task's cases (``name``, ``setting`` are used).
        t_min: earliest time fitted (lattice corrections grow at short times).
        lattice_offset: names of the cases that also fit the nuisance terms a, b.
        optim: see :class:`tasks.training.AdamThenLBFGS`; ``total_steps`` for the trainer.
    """

    def __init__(
        self,
        cases: Sequence[Mapping[str, Any]],
        t_min: float,
        lattice_offset: Sequence[str],
        optim: Mapping[str, Any],
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        names = [c["name"] for c in cases]
        unknown = sorted(set(lattice_offset) - set(names))
        if unknown:
            raise ValueError(f"lattice_offset names unknown cases {unknown}; cases: {names}")
        self.t_min = float(t_min)
        self.quenched = [c["setting"] == "quenched" for c in cases]
        self.register_buffer("offset_mask", torch.tensor([n in lattice_offset for n in names]))
        self.log_sigma = nn.Parameter(torch.zeros(len(cases), dtype=torch.float64))
        self.log_d = nn.Parameter(torch.zeros(len(cases), dtype=torch.float64))
        self.offset = nn.Parameter(torch.zeros(len(cases), dtype=torch.float64))
        self.white = nn.Parameter(torch.zeros(len(cases), dtype=torch.float64))

    def model_covariance(self, case: int, t: Tensor) -> Tensor:
        sigma, d = torch.exp(self.log_sigma[case]), torch.exp(self.log_d[case])
        covariance = sigma / torch.sqrt(torch.pi * d) * shape_matrix(self.quenched[case], t)
        if self.offset_mask[case]:
            low, high = torch.minimum(t[:, None], t[None, :]), torch.maximum(t[:, None], t[None, :])
            covariance = covariance + self.offset[case] * torch.sqrt(low / high)
            covariance = covariance + self.white[case] * torch.eye(len(t), dtype=t.dtype)
        return covariance

    def objective(self, batch: Mapping[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        total, weight = 0.0, 0.0
        for block in covariance_blocks(batch, self.t_min, step=False):
            model = self.model_covariance(block["case"], block["t"])
            total = total + block["n"] * wishart_deviance(model, block["cov"])
            weight = weight + block["n"] * len(block["t"])
        for block in covariance_blocks(batch, self.t_min, step=True):
            d = torch.exp(self.log_d[block["case"]])
            residual = block["mean"] - block["drho"] * torch.sqrt(d * block["t"] / torch.pi)
            total = total + block["n"] * residual @ torch.linalg.solve(block["cov"], residual)
            weight = weight + block["n"] * len(block["t"])
        return total / weight, {}

    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """σ, D, the MFT surfaces, step means and scaling functions they imply."""
        out = empty_predictions(inputs)
        out["sigma"] = torch.exp(self.log_sigma).cpu().numpy()
        out["D"] = torch.exp(self.log_d).cpu().numpy()
        times = np.asarray(inputs["t"], float)
        t1, t2 = np.meshgrid(times, times, indexing="ij")
        for c, setting in enumerate(inputs["case_setting"]):
            out["scaling"][c] = scaling_function(setting, out["sigma"][c], out["D"][c], inputs["r"])
        for s, c in enumerate(inputs["system_case"]):
            sigma, d = out["sigma"][c], out["D"][c]
            rho_a, rho_b = inputs["rho_a"][s], inputs["rho_b"][s]
            out["mean"][s] = mean_current_mft(rho_a, rho_b, d, times)
            if rho_a == rho_b:
                out["corr"][s] = two_time_mft(inputs["case_setting"][c], sigma, d, t1, t2)
        return out
