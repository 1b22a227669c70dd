"""Preemption-safe training: signal → checkpoint at the end of the step → requeue → resume.

SLURM warns a job before its time limit or a preemption with a signal: ``SIGUSR1`` for jobs
submitted with ``sbatch --signal=USR1@<s>``, ``SIGUSR2`` for submitit's (``hydra/launcher=slurm``,
``signal_delay_s``). :class:`PreemptionCheckpoint` is Lightning's ``OnExceptionCheckpoint`` that
also reacts to those signals: it lets the current optimisation step finish, writes its checkpoint
file, then hands over to the handler that was installed before it, which requeues the job
(submitit's, which resubmits the same Hydra job into the same run directory; Lightning's SLURM
handler for a plain ``sbatch``), and ends the process. Without a previous handler (a run outside
SLURM) it only ends the process: the same command with the same run directory resumes.

A ``SIGTERM`` (SLURM's kill, or a preemption without warning) is handled the same way, within
SLURM's grace time; the process then exits with status 1, where Lightning alone would exit with
0 and no record. The rerun or requeued training loads the newest of ``last.ckpt`` and this
checkpoint (Lightning's ``ckpt_path="last"``, its default when an ``OnExceptionCheckpoint`` is
configured; under SLURM Lightning's own ``hpc_ckpt`` of the same step when it wrote one), so it
continues at the same step.

The W&B run of a requeued job continues too: :func:`bench.loggers.persistent_run_id` keeps its
id in the run directory, for ``wandb.init(id=..., resume="allow")``.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import OnExceptionCheckpoint

log = logging.getLogger(__name__)


class Preempted(SystemExit):
    """The training stopped on a preemption signal after writing its checkpoint."""


class PreemptionCheckpoint(OnExceptionCheckpoint):
    """``OnExceptionCheckpoint`` that also checkpoints and requeues on ``signals``.

    ``dirpath``/``filename`` as for ``OnExceptionCheckpoint``; ``signals`` are names such as
    ``SIGUSR1``. The handlers are installed for the training only and restored after it.
    """

    def __init__(
        self, dirpath: str | Path, filename: str = "interrupted",
        signals: Sequence[str] = ("SIGUSR1", "SIGUSR2", "SIGTERM"),
    ) -> None:  # fmt: skip
        super().__init__(dirpath=dirpath, filename=filename)
        self.signals = [signal.Signals[name] for name in signals]
        self.received: signal.Signals | None = None
        self._previous: dict[signal.Signals, Any] = {}
        self._training_here = False

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.received = signal.Signals(signum)
        log.warning("received %s: checkpoint at the end of this step, then requeue", signum)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._training_here = True
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._note)

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any
    ) -> None:
        if self.received is None:
            return
        trainer.save_checkpoint(self.ckpt_path)
        previous = self._previous.get(self.received)
        self.teardown(trainer, pl_module, "fit")
        if callable(previous):  # submitit's or Lightning's SLURM requeue, Lightning's SIGTERM
            previous(self.received, None)
        raise Preempted(
            f"stopped by {self.received.name} at step {trainer.global_step}; checkpoint "
            f"{self.ckpt_path} (the same command with the same run directory resumes)"
        )

    def on_exception(
        self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException
    ) -> None:
        """Checkpoint only where the training ran: the main process of a forked
        data-parallel run (``trainer=ddp``) holds the untrained model, its ranks checkpoint."""
        if self._training_here:
            super().on_exception(trainer, pl_module, exception)

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """Give each signal back to the handler it had before the training, where ours is still
        installed. The trainer restores its own originals before the callbacks' teardown, so a
        blanket restore would re-install the trainer's SIGTERM handler, which only sets a flag:
        the process would then ignore SIGTERM (SLURM's kill, ``timeout``) after the training."""
        for signum, handler in self._previous.items():
            if signal.getsignal(signum) == self._note:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous = {}
