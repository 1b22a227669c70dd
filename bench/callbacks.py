"""Lightning callbacks of the harness itself (added to every training run)."""

from __future__ import annotations

import time

import lightning as L
import torch

from bench.provenance import seconds_since_process_start

TIMING_PREFIX = "timing/"


class StepTimer(L.Callback):
    """Wall time per optimisation step and the harness overhead before the first step.

    ``harness_overhead`` is the time from the start of the process that built the timer to the
    first training batch: imports, config composition, data generation or cache loading,
    logger and trainer set-up. The figures are published at the end of training as trainer
    callback metrics under ``timing/``: with a forked multi-process strategy
    (``trainer=ddp``) the training runs in child processes, and those metrics are what
    Lightning returns from rank 0 to the main process.
    """

    def __init__(self) -> None:
        self.step_seconds: list[float] = []
        self.harness_overhead: float | None = None
        self._started = 0.0
        since_start = seconds_since_process_start()
        self._process_start = None if since_start is None else time.time() - since_start

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.harness_overhead is None and self._process_start is not None:
            self.harness_overhead = time.time() - self._process_start
        self._started = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.step_seconds.append(time.perf_counter() - self._started)

    def on_train_end(self, trainer, pl_module) -> None:
        steps = self.step_seconds
        measured = {"train_steps": float(len(steps))}
        if steps:
            measured["train_step_mean"] = sum(steps) / len(steps)
        if self.harness_overhead is not None:
            measured["harness_overhead"] = self.harness_overhead
        trainer.callback_metrics.update(
            {
                TIMING_PREFIX + key: torch.tensor(value, dtype=torch.float64)
                for key, value in measured.items()
            }
        )

    @staticmethod
    def timings(trainer: L.Trainer) -> dict[str, float]:
        """``train_steps``, ``train_step_mean`` and ``harness_overhead`` (when known) (s)."""
        return {
            key.removeprefix(TIMING_PREFIX): float(value)
            for key, value in trainer.callback_metrics.items()
            if key.startswith(TIMING_PREFIX)
        }
