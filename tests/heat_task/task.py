"""Data module, evaluator, model and baselines of the heat task."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from heat_task.physics import crank_nicolson, exact
from tasks.splits import Split, canonical_split


def draw(n: int, modes: int, seed: int) -> np.ndarray:
    """Sine coefficients a_k ~ N(0, 1/k) of ``n`` initial states."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, modes)) / np.arange(1, modes + 1)


class HeatDataModule(L.LightningDataModule):
    """Training states with their exact evolution, and the canonical test split."""

    def __init__(self, nx: int, nt: int, t_max: float, kappa: float, modes: int, n_train: int,
                 n_test: int, data_seed: int, cache_dir: str | None) -> None:  # fmt: skip
        super().__init__()
        self.x = np.linspace(0.0, np.pi, nx)
        self.t = np.linspace(0.0, t_max, nt)
        self.kappa, self.modes = float(kappa), int(modes)
        self.n_train, self.n_test, self.data_seed = int(n_train), int(n_test), int(data_seed)
        self.cache_dir = Path(cache_dir) if cache_dir else None

    def generator_config(self) -> dict[str, Any]:
        return {"x": self.x.tolist(), "t": self.t.tolist(), "kappa": self.kappa,
                "modes": self.modes, "n_test": self.n_test, "seed": self.data_seed}  # fmt: skip

    def _build(self, _parts) -> dict[str, np.ndarray]:
        a = draw(self.n_test, self.modes, self.data_seed + 1)
        u = exact(a, self.x, self.t, self.kappa)
        return {"x": self.x, "t": self.t, "kappa": np.array(self.kappa), "coefficients": a, "u": u}

    def test_split(self) -> Split:
        return canonical_split("heat", self.generator_config(), self._build, self.cache_dir)

    def train_dataloader(self) -> DataLoader:
        a = draw(self.n_train, self.modes, self.data_seed)
        u = exact(a, self.x, self.t, self.kappa)
        batch = {"a": torch.as_tensor(a), "u": torch.as_tensor(u)}
        return DataLoader([batch] * 10_000, batch_size=None)


def evaluate(predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]) -> dict:
    """MSE and largest error of the predicted u."""
    u = np.asarray(predictions["u"], float)
    if u.shape != split["u"].shape:
        raise ValueError(
            f"predictions['u'] has shape {u.shape}, the split needs {split['u'].shape}"
        )
    error = u - split["u"]
    return {"u_mse": float(np.mean(error**2)), "u_max_abs": float(np.abs(error).max())}


class ModeDecay(L.LightningModule):
    """u = Σ_k a_k exp(-r_k t) sin(kx) with learned decay rates r_k (exact: κ k²)."""

    def __init__(self, modes: int, optim: Mapping[str, Any]) -> None:
        super().__init__()
        self.log_rate = torch.nn.Parameter(torch.zeros(modes, dtype=torch.float64))
        self.lr = float(optim["lr"])

    def evolve(self, a: torch.Tensor, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        k = torch.arange(1, a.shape[1] + 1, dtype=torch.float64)
        decay = torch.exp(-torch.outer(t, self.log_rate.exp()))
        return torch.einsum("nk,tk,kx->ntx", a, decay, torch.sin(torch.outer(k, x)))

    def training_step(self, batch, _index):
        dm = self.trainer.datamodule
        x, t = torch.as_tensor(dm.x), torch.as_tensor(dm.t)
        loss = torch.mean((self.evolve(batch["a"], x, t) - batch["u"]) ** 2)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)

    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with torch.no_grad():
            u = self.evolve(*(torch.tensor(inputs[k]) for k in ("coefficients", "x", "t")))
        return {"u": u.numpy()}


class FiniteDifference:
    """Crank–Nicolson on the split's grid from each initial state."""

    def __init__(self, dt: float) -> None:
        self.dt = float(dt)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        x, t, kappa = inputs["x"], inputs["t"], float(inputs["kappa"])
        starts = exact(inputs["coefficients"], x, t[:1], kappa)[:, 0]
        return {"u": np.stack([crank_nicolson(u0, x, t, kappa, self.dt) for u0 in starts])}


class ExactSolution:
    """The exact series (the reference itself: shown on the board, never ranked)."""

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        kappa = float(inputs["kappa"])
        return {"u": exact(inputs["coefficients"], inputs["x"], inputs["t"], kappa)}
