"""``exactbench train``: fit one model, score it on the test split, write its run record."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from bench.config import hydra_command, instantiate_method, method_of
from bench.records import predict_and_record, timed
from leaderboard.configs import make_datamodule
from leaderboard.record import RunRecord

LIGHTNING_NOISE = (
    # OnExceptionCheckpoint makes Lightning default to ckpt_path="last" (a fresh start when
    # the run directory has no checkpoint yet), and it warns about it on every run.
    r".*was called without a model.*",
    r".*there is no last checkpoint available.*",
    r"Using ModelCheckpoint with manual optimization.*",
    r".*isinstance\(treespec, LeafSpec\).*",
    r"The .srun. command is available on your system but is not used.*",
)


def quiet_lightning() -> None:
    """Silence Lightning warnings that every run of the harness would print."""
    for pattern in LIGHTNING_NOISE:
        warnings.filterwarnings("ignore", message=pattern)


def run_training(cfg: DictConfig, run_dir: Path, extra_callbacks: Sequence[Any] = ()) -> RunRecord:
    """Train ``cfg.model`` on ``cfg.task``, then predict, score, plot, log and seal the record.

    ``extra_callbacks`` are added to the configured Lightning callbacks (e.g. sweep pruning).
    """
    from bench.loggers import start_logger

    method, kind = method_of(cfg, "model")
    pending = start_logger(
        cfg, method, kind, run_dir
    )  # W&B starts while torch and Lightning import
    try:
        return _train(cfg, run_dir, pending, extra_callbacks)
    finally:
        pending.close()


def _train(
    cfg: DictConfig, run_dir: Path, pending: Any, extra_callbacks: Sequence[Any]
) -> RunRecord:
    import lightning as L
    from hydra.utils import instantiate

    from bench.callbacks import StepTimer

    L.seed_everything(int(cfg.seed), workers=True, verbose=False)
    _, kind, model = instantiate_method(cfg, "model")
    datamodule = make_datamodule(cfg)
    split = datamodule.test_split()
    logger = pending.get()
    quiet_lightning()  # after the logger's start-up thread, whose warning filters it restores
    callbacks = [instantiate(node) for node in (cfg.get("callbacks") or {}).values()]
    callbacks += [StepTimer(), *extra_callbacks]
    trainer = instantiate(cfg.trainer, logger=logger or False, callbacks=callbacks)
    _, train_seconds = timed(
        lambda: trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.ckpt_path)
    )
    model.eval()
    return predict_and_record(
        cfg, run_dir, method=cfg.model.name, kind=kind, predict=model.predict_split, split=split,
        logger=logger, timings={"train": train_seconds, **StepTimer.timings(trainer)},
    )  # fmt: skip


cli = hydra_command(run_training, "train")

if __name__ == "__main__":
    cli(sys.argv[1:])
