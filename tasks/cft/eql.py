"""Equation-learner network (EQL÷) whose surviving weights are read out as a formula.

Architecture (Martius & Lampert 2016; Sahoo, Lampert & Martius 2018): inputs x/s (s = largest
|x| of each training column), then ``layers`` hidden layers, each a linear map followed by
``identity`` units z_i and ``product`` units z_a z_b, and a division output
y/y_s = n(h) / d(h) with linear n and d (y_s = largest |y| of the training targets). With the
division threshold θ the training output is n/d where d > θ and 0 elsewhere, and the penalty
⟨max(θ - d, 0)⟩ keeps d positive.

Training (``optim``): Adam on the MSE for the first ``dense_fraction`` of the steps, then with
an L1 penalty λ Σ|W| until ``prune_fraction`` of the steps; then, every ``prune_interval``
steps, the network is read out (run on sympy symbols) and, while its training NMSE is at most
``prune_tolerance``, its relatively smallest weight is fixed at zero, the survivors re-fitting
in between. The read-outs along this path of growing
sparsity, and the final one, form the network's front of formulas, scored and chosen by the
same code that scores the engines (:mod:`baselines.cft.search`). An approximate common factor
of n and d (e.g. 3k(k + a)/((k + 2)(k + a))) cannot be rationalised; the path removes it.

With ``polish_constants`` (the default) each read-out's constants are re-fitted in float64
before scoring, as the engines do for their trees (Operon's local search, PySR's BFGS): the
network proposes structures. Gradient training alone stalls at a training NMSE of 1e-5 to 1e-8
on c of the minimal models (Adam, then L-BFGS, 4 seeds), too far from the exact constants for
rationalisation to recover them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import lightning as L
import numpy as np
import sympy
import torch
from torch import Tensor, nn
from torch.nn.functional import linear

from baselines.cft.search import Candidate, choose, front_predictions, score_front
from tasks.nets import check_finite

NAN_HINT = "lower model.optim.lr or raise model.division_threshold"


class EQLNetwork(nn.Module):
    """Identity/product hidden layers and a division output; weights carry pruning masks."""

    def __init__(
        self, n_inputs: int, layers: int, identity: int, product: int, division: bool
    ) -> None:
        super().__init__()
        if layers < 1 or identity < 0 or product < 0 or identity + product < 1:
            raise ValueError("the EQL needs layers >= 1 and identity + product >= 1 units")
        self.identity, self.product, self.division = identity, product, division
        widths = [n_inputs] + [identity + product] * layers
        self.linears = nn.ModuleList(
            nn.Linear(n, identity + 2 * product, dtype=torch.float64) for n in widths[:-1]
        )
        self.linears.append(nn.Linear(widths[-1], 2 if division else 1, dtype=torch.float64))
        for index, layer in enumerate(self.linears):
            self.register_buffer(f"mask{index}", torch.ones_like(layer.weight))
            nn.init.normal_(layer.weight, std=0.5)
            nn.init.zeros_(layer.bias)

    def masked_weights(self) -> list[Tensor]:
        return [layer.weight * getattr(self, f"mask{i}") for i, layer in enumerate(self.linears)]

    def active_weights(self) -> int:
        """Number of non-zero weights (the network's complexity)."""
        return sum(int((weight != 0).sum()) for weight in self.masked_weights())

    def units(self, z: Sequence[Any]) -> list[Any]:
        """Identity units, then products of consecutive pairs (tensors or sympy expressions)."""
        n = self.identity
        products = [z[n + 2 * j] * z[n + 2 * j + 1] for j in range(self.product)]
        return [z[i] for i in range(n)] + products

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(numerator, denominator) at the rows of the scaled inputs ``x``."""
        h = x
        weights = self.masked_weights()
        for weight, layer in zip(weights[:-1], self.linears[:-1], strict=True):
            h = torch.stack(self.units(linear(h, weight, layer.bias).T), dim=1)
        out = linear(h, weights[-1], self.linears[-1].bias)
        if not self.division:
            return out[:, 0], torch.ones_like(out[:, 0])
        return out[:, 0], out[:, 1]

    def symbolic(self, inputs: Sequence[sympy.Expr]) -> tuple[sympy.Expr, ...]:
        """(numerator, denominator) as expanded sympy expressions of ``inputs``."""
        h = list(inputs)
        last = len(self.linears) - 1
        for index, (weight, layer) in enumerate(
            zip(self.masked_weights(), self.linears, strict=True)
        ):
            biases = layer.bias.detach().cpu().numpy()
            z = [
                sympy.expand(sum((_number(c) * v for c, v in zip(row, h, strict=True)), _number(b)))
                for row, b in zip(weight.detach().cpu().numpy(), biases, strict=True)
            ]
            h = z if index == last else [sympy.expand(v) for v in self.units(z)]
        return (h[0], h[1]) if self.division else (h[0], sympy.S.One)

    @torch.no_grad()
    def remove_smallest(self) -> bool:
        """Fix at zero the surviving weight smallest relative to the largest of its layer
        (relative, because a division output is invariant under rescaling n and d together).
        False when no weight is left."""
        best: tuple[float, int, tuple[int, int]] | None = None
        for index, weight in enumerate(self.masked_weights()):
            alive = weight != 0
            if not alive.any():
                continue
            relative = weight.abs() / weight.abs().max()
            relative[~alive] = torch.inf
            flat = int(torch.argmin(relative))
            candidate = (float(relative.flatten()[flat]), index, divmod(flat, weight.shape[1]))
            best = candidate if best is None or candidate[0] < best[0] else best
        if best is None:
            return False
        _, index, (row, column) = best
        getattr(self, f"mask{index}")[row, column] = 0.0
        self.linears[index].weight[row, column] = 0.0
        return True


def _number(value: float) -> sympy.Expr:
    return sympy.S.Zero if value == 0 else sympy.Float(float(value), 17)


class CFTEQL(L.LightningModule):
    """EQL÷ fitted to the split's training table; predicts through its read-out formula.

    Args:
        network: ``layers``, ``identity``, ``product`` units per layer, ``division`` output.
        division_threshold: θ of the division unit (in units of the scaled target).
        optim: ``lr``, ``l1`` (λ), ``dense_fraction``, ``prune_fraction``, ``prune_interval``,
            ``prune_tolerance``, ``total_steps``.
        scale_inputs: feed x/s instead of x (s = largest |x| of each training column).
        nmse_tolerance: rule 2 of the choice from the front (see :func:`search.choose`).
        polish_constants: re-fit each read-out's constants in float64 (:func:`search.polish`).
    """

    def __init__(
        self,
        network: Mapping[str, Any],
        division_threshold: float,
        optim: Mapping[str, Any],
        scale_inputs: bool,
        nmse_tolerance: float,
        polish_constants: bool,
        n_inputs: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.network_config = dict(network)
        self.optim = dict(optim)
        self.theta = float(division_threshold)
        self.scale_inputs = bool(scale_inputs)
        self.path: list[Candidate] = []  # read-outs along the pruning path
        self.pruning = True
        self.input_names = [f"x{i}" for i in range(n_inputs)]
        self.nmse_tolerance = float(nmse_tolerance)
        self.polish_constants = bool(polish_constants)
        self.net: EQLNetwork | None = self._build(n_inputs) if n_inputs else None
        self.fit_seconds = (0.0, 0.0)  # wall and CPU time of the last fit

    def _build(self, n_inputs: int) -> EQLNetwork:
        self.register_buffer("x_scale", torch.ones(n_inputs, dtype=torch.float64))
        self.register_buffer("y_scale", torch.ones((), dtype=torch.float64))
        return EQLNetwork(n_inputs, **self.network_config)

    def setup(self, stage: str) -> None:
        """Size the network and set the scales from the training table (first fit only)."""
        if self.net is not None or self.trainer is None or self.trainer.datamodule is None:
            return
        arrays = self.trainer.datamodule.test_split().inputs
        self.input_names = [str(name) for name in arrays["input_names"]]
        self.hparams["n_inputs"] = arrays["train_x"].shape[1]
        self.net = self._build(arrays["train_x"].shape[1])
        if self.scale_inputs:
            x_scale = np.maximum(np.abs(arrays["train_x"]).max(axis=0), 1)
            y_max = np.abs(arrays["train_num"] / arrays["train_den"]).max()
            self.x_scale.copy_(torch.as_tensor(x_scale, dtype=torch.float64))
            self.y_scale.fill_(float(y_max) if y_max > 0 else 1.0)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.net(x / self.x_scale)

    def _steps(self, key: str) -> int:
        return int(float(self.optim[key]) * int(self.optim["total_steps"]))

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        step, start = self.global_step, self._steps("prune_fraction")
        numerator, denominator = self(batch["x"])
        safe = denominator > self.theta
        prediction = torch.where(safe, numerator / torch.where(safe, denominator, 1.0), 0.0)
        target = batch["y"] / self.y_scale
        mse = ((prediction - target) ** 2).mean()
        if step >= start and (step - start) % int(self.optim["prune_interval"]) == 0:
            nmse = (mse / (target**2).mean().clamp_min(1e-300)).item()
            self._prune_step(nmse, first=step == start)
        loss = mse + torch.relu(self.theta - denominator).mean()
        if self._steps("dense_fraction") <= step < self._steps("prune_fraction"):
            loss = loss + float(self.optim["l1"]) * sum(
                w.abs().sum() for w in self.net.masked_weights()
            )
        check_finite(loss, step, NAN_HINT)
        self.log("train/mse", mse.detach(), prog_bar=True)
        self.log("train/loss", loss.detach())
        return loss

    @torch.no_grad()
    def _prune_step(self, nmse: float, first: bool) -> None:
        """Record the read-out of the re-fitted network, then remove its smallest weight while
        the training NMSE stays within ``prune_tolerance`` (removals stop for good after)."""
        if not first:
            self.path.append(self.readout(self.input_names))
        self.pruning = self.pruning and nmse <= float(self.optim["prune_tolerance"])
        if self.pruning:
            self.net.remove_smallest()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=float(self.optim["lr"]))

    def on_fit_start(self) -> None:
        self._fit_started = (time.perf_counter(), time.process_time())

    def on_fit_end(self) -> None:
        wall, cpu = self._fit_started
        self.fit_seconds = (time.perf_counter() - wall, time.process_time() - cpu)

    def readout(self, names: Sequence[str]) -> Candidate:
        """The network's formula over the raw (unscaled) inputs called ``names``, with its
        number of non-zero weights as complexity."""
        symbols = [sympy.Symbol(name) for name in names]
        scaled = [s / sympy.Float(float(c), 17) for s, c in zip(symbols, self.x_scale, strict=True)]
        numerator, denominator = self.net.symbolic(scaled)
        text = str(sympy.Float(float(self.y_scale), 17) * numerator / denominator)
        return Candidate(text, self.net.active_weights())

    def front(self, names: Sequence[str]) -> list[Candidate]:
        """Distinct read-outs along the pruning path and at the end."""
        return list(dict.fromkeys([*self.path, self.readout(names)]))

    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The chosen read-out formula and its values, with the read-out front."""
        names = [str(name) for name in inputs["input_names"]]
        front = score_front(self.front(names), names, 0, inputs, self.polish_constants)
        if not front:
            raise RuntimeError(
                "every read-out formula is undefined (zero denominator): train longer"
            )
        target = inputs["train_num"] / inputs["train_den"]
        chosen, rule = choose(front, target, self.nmse_tolerance)
        return front_predictions(front, chosen, rule, names, inputs, *self.fit_seconds)
