"""Lightning callback that reports a validation metric to an Optuna trial and prunes it.

Written here rather than taken from optuna-integration to avoid a dependency for ten lines;
the logic is the same as its ``PyTorchLightningPruningCallback`` for a single process.
"""

from __future__ import annotations

import lightning as L
import optuna


class OptunaPruning(L.Callback):
    """After each validation, ``trial.report(value, step)``; raise ``TrialPruned`` if told to.

    ``last_value`` is the latest reported value: the sweep's objective once training ends.
    """

    def __init__(self, trial: optuna.Trial, monitor: str) -> None:
        self.trial, self.monitor = trial, monitor
        self.last_value: float | None = None

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        self.last_value = float(trainer.callback_metrics[self.monitor])
        self.trial.report(self.last_value, step=trainer.global_step)
        if self.trial.should_prune():
            raise optuna.TrialPruned(
                f"{self.monitor}={self.last_value:.3g} at step {trainer.global_step}"
            )
