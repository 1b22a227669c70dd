"""Shared training pieces: the FNO, field scaling, the two optimisation loops, data loaders.

The FNO is neuraloperator's (``neuralop.models.FNO``) in 1D: the spectral layers keep the lowest
``modes`` Fourier modes and a grid positional embedding on [0, 1], so one set of weights applies
to any number of grid points over the same box (resolution independence).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import lightning as L
import torch
from torch import Tensor, nn
from torch.nn import functional
from torch.utils.data import DataLoader, Dataset, RandomSampler, Sampler

from tasks.nets import check_finite


def fast_fft_length(n: int) -> int:
    """The smallest 5-smooth integer (2^a 3^b 5^c) ≥ ``n``.

    Written out because ``scipy.fft.next_fast_len`` targets pocketfft's 11-smooth sizes, while
    torch's CPU FFT (MKL) is measured here at 4–7× slower on 241 or 301 points (prime factors 241,
    43) than on 250 or 320 and no faster on 11-smooth sizes than on the next 5-smooth one.
    """
    length = max(1, int(n))
    while True:
        rest = length
        for factor in (2, 3, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:
            return length
        length += 1


class FastFFTPadding(nn.Module):
    """Zero-pads the grid axis of the lifted fields on the right to a fast FFT length, and crops.

    Takes the place of neuraloperator's ``DomainPadding`` in the FNO (same ``pad``/``unpad``
    calls around the Fourier blocks). The padded length is ``fast_fft_length(n + round(fraction
    · n))``: the fields are not periodic (hard-wall boxes), so a little padding is harmless, and
    on the grids of the harness (241, 301, 481, 501 points) it makes every FFT of a step 4–7×
    cheaper. The period of the spectral convolution is then the padded length.
    """

    def __init__(self, fraction: float = 0.0) -> None:
        super().__init__()
        self.fraction = float(fraction)
        self._length = 0

    def pad(self, fields: Tensor) -> Tensor:
        self._length = fields.shape[-1]
        target = fast_fft_length(self._length + round(self.fraction * self._length))
        return functional.pad(fields, (0, target - self._length))

    def unpad(self, fields: Tensor) -> Tensor:
        return fields[..., : self._length]


def build_fno(in_channels: int, out_channels: int, network: Mapping[str, Any]) -> nn.Module:
    """A 1D FNO with ``modes`` Fourier modes, ``width`` channels and ``layers`` blocks.

    The lifted fields are zero-padded on the right to a fast FFT length (``FastFFTPadding``),
    after at least ``padding`` (fraction of the grid, default 0) extra points.
    """
    from neuralop.models import FNO

    fno = FNO(
        n_modes=(int(network["modes"]),),
        in_channels=in_channels,
        out_channels=out_channels,
        hidden_channels=int(network["width"]),
        n_layers=int(network["layers"]),
    )
    fno.domain_padding = FastFFTPadding(float(network.get("padding", 0.0)))
    return fno


class Standardiser(nn.Module):
    """Affine map ``(y - mean) / std``, constants fitted on training data (kept as buffers)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(()))
        self.register_buffer("std", torch.ones(()))

    def fit(self, values: Tensor) -> Standardiser:
        self.mean = values.mean().detach().clone()
        self.std = values.std().clamp_min(1e-12).detach().clone()
        return self

    def forward(self, values: Tensor) -> Tensor:
        return (values - self.mean) / self.std

    def inverse(self, values: Tensor) -> Tensor:
        return values * self.std + self.mean


NEURALOP_METADATA = "_metadata"  # state-dict key neuraloperator's models add


class OperatorModule(L.LightningModule):
    """Training loop shared by the operator models: AdamW with a cosine schedule per step.

    Subclasses define ``loss(batch) -> (loss, parts)`` and ``predict_split``. ``optim`` holds
    ``lr``, ``weight_decay``, ``total_steps`` (optimiser steps of the whole fit) and
    ``batch_size`` (read by the data modules through the model config).
    """

    nan_hint = "lower model.optim.lr, or raise model.optim.weight_decay"

    def __init__(self, optim: Mapping[str, Any]) -> None:
        super().__init__()
        self.optim = dict(optim)

    def loss(self, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.AdamW(
            self.parameters(),
            lr=float(self.optim["lr"]),
            weight_decay=float(self.optim.get("weight_decay", 0.0)),
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(1, int(self.optim["total_steps"]))
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def training_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> Tensor:
        loss, parts = self.loss(batch)
        check_finite(loss, self.global_step, self.nan_hint)
        self.log("train/loss", loss.detach(), prog_bar=True)
        for key, value in parts.items():
            self.log(f"train/{key}", value.detach())
        return loss

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The weights without neuraloperator's ``_metadata`` entry (its constructor arguments,
        which hold classes and functions), so checkpoints and the weights a data-parallel run
        returns to the main process load with ``weights_only=True``; the network is rebuilt
        from the config."""
        state = super().state_dict(*args, **kwargs)
        state.pop(NEURALOP_METADATA, None)
        return state

    def validation_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> None:
        loss, parts = self.loss(batch)
        self.log("val/loss", loss, prog_bar=True)
        for key, value in parts.items():
            self.log(f"val/{key}", value)


class StepSampler(Sampler[int]):
    """This process's share of ``steps`` shuffled global batches of ``batch_size`` indices.

    The global index stream is the same in every process (reshuffled after every pass over
    the ``n`` samples, seeded); under data parallelism over ``world`` processes, process
    ``rank`` takes the ``rank``-th contiguous slice of each global batch, so the ranks together
    see exactly the batches one process would, and averaged gradients equal one process's at
    the same global batch. Lightning's own distributed sampler is switched off for this
    (``use_distributed_sampler: false`` in ``conf/trainer/ddp.yaml``): it would replace the
    step budget by one pass over the data split between ranks.
    """

    def __init__(
        self, n: int, batch_size: int, steps: int, seed: int, rank: int = 0, world: int = 1
    ) -> None:
        if batch_size % world:
            raise ValueError(
                f"a global batch of {batch_size} does not split over {world} processes: "
                f"set the model's batch_size to a multiple of trainer.devices"
            )
        self.n, self.batch_size, self.steps, self.seed = n, batch_size, steps, seed
        self.rank, self.world = rank, world

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed)
        stream = RandomSampler(
            range(self.n), num_samples=self.steps * self.batch_size, generator=generator
        )
        share = self.batch_size // self.world
        first = self.rank * share
        for position, index in enumerate(stream):
            if first <= position % self.batch_size < first + share:
                yield index

    def __len__(self) -> int:
        return self.steps * self.batch_size // self.world


def step_loader(dataset: Dataset, batch_size: int, steps: int, seed: int) -> DataLoader:
    """Shuffled mini-batches for exactly ``steps`` optimiser steps (one loader "epoch").

    Reshuffles after every pass over the samples, so the trainer's step budget, not an epoch
    count, sets the length of a fit (as for every model of the harness). Under data
    parallelism (an initialised ``torch.distributed`` group) each process gets its share of
    every global batch of ``batch_size`` (:class:`StepSampler`).
    """
    batch_size = min(int(batch_size), len(dataset))
    rank, world = 0, 1
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    sampler = StepSampler(len(dataset), batch_size, int(steps), int(seed), rank, world)
    return DataLoader(dataset, batch_size=batch_size // world, sampler=sampler, drop_last=True)


def eval_loader(dataset: Dataset, batch_size: int) -> DataLoader:
    """Validation batches in order."""
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=False)


class RepeatedBatch(Dataset):
    """A data set of ``length`` steps whose every item is a (fixed or resampled) full batch."""

    def __init__(self, length: int, make_batch: Any, resample: bool) -> None:
        self.length, self.make_batch, self.resample = length, make_batch, resample
        self.fixed = None if resample else make_batch()

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.make_batch() if self.resample else self.fixed


class AdamThenLBFGS(L.LightningModule):
    """Full-batch minimisation of ``objective(batch) -> (loss, terms)``: Adam, then L-BFGS.

    ``optim``: ``lr``, ``lr_final`` (Adam, decayed geometrically over ``adam_steps``), then
    ``lbfgs_steps`` L-BFGS steps (strong-Wolfe line search) of at most ``lbfgs_max_iter``
    iterations each, history ``lbfgs_history`` (default 100). Subclasses set ``nan_hint``, the
    advice printed when the loss turns NaN or infinite.
    """

    nan_hint = "lower model.optim.lr (and lr_final)"

    def __init__(self, optim: Mapping[str, Any]) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.optim = dict(optim)

    def objective(self, batch: Any) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        adam = torch.optim.Adam(self.parameters(), lr=float(self.optim["lr"]))
        lbfgs = torch.optim.LBFGS(
            self.parameters(),
            lr=1.0,
            max_iter=int(self.optim["lbfgs_max_iter"]),
            history_size=int(self.optim.get("lbfgs_history", 100)),
            tolerance_grad=1e-12,
            tolerance_change=1e-15,
            line_search_fn="strong_wolfe",
        )
        return [adam, lbfgs]

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        adam, lbfgs = self.optimizers()
        adam_steps = int(self.optim["adam_steps"])
        if self.global_step < adam_steps:
            lr, lr_final = float(self.optim["lr"]), float(self.optim["lr_final"])
            for group in adam.param_groups:
                group["lr"] = lr * (lr_final / lr) ** (self.global_step / max(1, adam_steps))
            loss, terms = self.objective(batch)
            check_finite(loss, self.global_step, self.nan_hint)
            adam.zero_grad()
            self.manual_backward(loss)
            adam.step()
        else:

            def closure() -> Tensor:
                lbfgs.zero_grad()
                value, closure.terms = self.objective(batch)
                check_finite(value, self.global_step, self.nan_hint)
                self.manual_backward(value)
                return value

            loss = lbfgs.step(closure)
            terms = closure.terms
        self.log("train/loss", loss.detach(), prog_bar=True)
        for key, value in terms.items():
            self.log(f"train/{key}", value.detach())
        return loss.detach()
