"""Shared pieces of the ``mft`` models: the data they fit and a full-batch training loop.

The data are the simulated equilibrium two-time correlations C(t1, t2) at times ≥ ``t_min``
(as flattened pairs t1 ≤ t2 with jackknife errors, or as whole sample covariance matrices)
and the step mean currents. Training: Adam with a geometrically decaying learning rate, then
L-BFGS (strong-Wolfe line search), on the model's ``loss``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor


def equilibrium_pairs(batch: Mapping[str, Tensor], t_min: float) -> dict[str, Tensor]:
    """Flattened equilibrium pairs: case index, t1 ≤ t2, estimate and error."""
    t = batch["t"]
    i, j = torch.triu_indices(len(t), len(t))
    keep = t[i] >= t_min
    i, j = i[keep], j[keep]
    systems = torch.nonzero(batch["rho_a"] == batch["rho_b"]).flatten()
    n = len(i)
    return {
        "case": batch["system_case"][systems].long().repeat_interleave(n),
        "t1": t[i].repeat(len(systems)),
        "t2": t[j].repeat(len(systems)),
        "value": batch["corr"][systems][:, i, j].flatten(),
        "error": batch["corr_err"][systems][:, i, j].flatten(),
    }


def covariance_blocks(batch: Mapping[str, Tensor], t_min: float, step: bool) -> list[dict]:
    """Per system (equilibrium or step): case, ρ_a - ρ_b, samples, times ≥ t_min, the sample
    mean and the sample covariance matrix S of Q on those times."""
    t = batch["t"]
    keep = t >= t_min
    chosen = (batch["rho_a"] != batch["rho_b"]) if step else (batch["rho_a"] == batch["rho_b"])
    blocks = [
        {
            "case": int(batch["system_case"][s]),
            "drho": batch["rho_a"][s] - batch["rho_b"][s],
            "n": batch["n_samples"][s],
            "t": t[keep],
            "mean": batch["cumulants"][s, 0][keep],
            "cov": batch["corr"][s][keep][:, keep],
        }
        for s in torch.nonzero(chosen).flatten().tolist()
    ]
    for block in blocks:
        if torch.linalg.cholesky_ex(block["cov"]).info != 0:
            raise ValueError(
                f"the sample covariance of a case-{block['case']} system on t ≥ {t_min} is not "
                "positive definite: simulate more samples (task.cases) or raise model.t_min"
            )
    return blocks


def wishart_deviance(model: Tensor, sample: Tensor) -> Tensor:
    """tr(Σ⁻¹S) - log det(Σ⁻¹S) - K: twice the Gaussian negative log-likelihood per sample of
    a sample covariance S under the model covariance Σ, minus its minimum (0 at Σ = S)."""
    ratio, info = torch.linalg.solve_ex(model, sample)
    if info != 0:  # a singular model covariance: let the NaN check stop training
        return model.new_tensor(float("nan"))
    return torch.trace(ratio) - torch.logdet(ratio) - len(sample)
