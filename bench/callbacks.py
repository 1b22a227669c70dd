"""Lightning callbacks of the harness itself (added to every training run)."""

from __future__ import annotations

import time

import lightning as L

from bench.provenance import seconds_since_process_start


class StepTimer(L.Callback):
    """Wall time per optimisation step and the harness overhead before the first step.

    ``harness_overhead`` is the time from process start to the first training batch: imports,
    config composition, data generation or cache loading, logger and trainer set-up.
    """

    def __init__(self) -> None:
        self.step_seconds: list[float] = []
        self.harness_overhead: float | None = None
        self._started = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.harness_overhead is None:
            self.harness_overhead = seconds_since_process_start()
        self._started = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.step_seconds.append(time.perf_counter() - self._started)

    def timings(self) -> dict[str, float]:
        """``train_step_mean`` and ``train_steps`` (and ``harness_overhead`` when known)."""
        steps = self.step_seconds
        result = {"train_steps": float(len(steps))}
        if steps:
            result["train_step_mean"] = sum(steps) / len(steps)
        if self.harness_overhead is not None:
            result["harness_overhead"] = self.harness_overhead
        return result
