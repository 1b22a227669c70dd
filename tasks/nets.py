"""Small network building blocks shared by the tasks' models."""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"tanh": nn.Tanh, "silu": nn.SiLU, "gelu": nn.GELU, "softplus": nn.Softplus}


def mlp(n_in: int, n_out: int, width: int, depth: int, activation: str = "tanh") -> nn.Sequential:
    """Fully connected network with ``depth`` hidden layers of ``width`` units.

    Smooth activations only: PINN residuals take second derivatives of the output.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if depth < 1 or width < 1:
        raise ValueError(f"mlp needs depth >= 1 and width >= 1, got depth={depth}, width={width}")
    layers: list[nn.Module] = []
    for n in [n_in] + [width] * (depth - 1):
        layers += [nn.Linear(n, width), ACTIVATIONS[activation]()]
    layers.append(nn.Linear(width, n_out))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss."""


def check_finite(loss: torch.Tensor, step: int, hint: str) -> None:
    """Stop training with a clear message when the loss is NaN or infinite."""
    if not torch.isfinite(loss):
        raise NonFiniteLossError(
            f"loss is {loss.item()} at optimisation step {step}: {hint}. The last checkpoint in "
            "the run directory is kept; resume from it with ckpt_path=... after the fix."
        )
