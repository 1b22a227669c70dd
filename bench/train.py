"""``exactbench train``: fit one model, score it on the test split, write its run record."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench.config import hydra_command
from bench.records import headline, n_samples, save_plots, score, seal, timed
from leaderboard.record import RunRecord

log = logging.getLogger(__name__)


def instantiate_named(node: DictConfig):
    """``(name, object)`` from a config node with a ``name`` key beside its ``_target_``."""
    from hydra.utils import instantiate

    params = OmegaConf.to_container(node, resolve=True)
    name = params.pop("name")
    return name, instantiate(params, _convert_="all")


LIGHTNING_NOISE = (
    # OnExceptionCheckpoint makes Lightning default to ckpt_path="last" (a fresh start when
    # the run directory has no checkpoint yet), and it warns about it on every run.
    r".*was called without a model.*",
    r".*there is no last checkpoint available.*",
    r"Using ModelCheckpoint with manual optimization.*",
    r".*isinstance\(treespec, LeafSpec\).*",
)


def quiet_lightning() -> None:
    """Silence Lightning warnings that every run of the harness would print."""
    for pattern in LIGHTNING_NOISE:
        warnings.filterwarnings("ignore", message=pattern)


def run_training(cfg: DictConfig, run_dir: Path, extra_callbacks: Sequence[Any] = ()) -> RunRecord:
    """Train ``cfg.model`` on ``cfg.task``, then predict, score, plot, log and seal the record.

    ``extra_callbacks`` are added to the configured Lightning callbacks (e.g. sweep pruning).
    """
    import lightning as L
    from hydra.utils import instantiate

    from bench.callbacks import StepTimer
    from bench.loggers import close, make_logger

    quiet_lightning()
    L.seed_everything(int(cfg.seed), workers=True, verbose=False)
    datamodule = instantiate(cfg.task.datamodule)
    split = datamodule.test_split()
    method, model = instantiate_named(cfg.model)
    logger = make_logger(cfg, method, "model")
    timer = StepTimer()
    callbacks = [instantiate(node) for node in (cfg.get("callbacks") or {}).values()]
    callbacks += [timer, *extra_callbacks]
    trainer = instantiate(cfg.trainer, logger=logger or False, callbacks=callbacks)
    try:
        _, train_seconds = timed(
            lambda: trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.ckpt_path)
        )
        return _test_and_seal(cfg, run_dir, method, model, split, logger, train_seconds, timer)
    finally:
        close(logger)


def _test_and_seal(cfg, run_dir, method, model, split, logger, train_seconds, timer) -> RunRecord:
    from bench.loggers import log_results, wandb_info

    model.eval()
    predictions, predict_seconds = timed(model.predict_split, split.arrays)
    metrics = score(cfg, predictions, split)
    timings = {
        "train": train_seconds,
        "inference_total": predict_seconds,
        "inference_per_sample": predict_seconds / n_samples(cfg, split),
        **timer.timings(),
    }
    record = seal(
        cfg, run_dir, method=method, kind="model", split=split, predictions=predictions,
        metrics=metrics, timings=timings, wandb_info=wandb_info(logger),
    )  # fmt: skip
    log_results(logger, metrics, save_plots(cfg, predictions, split, run_dir))
    log.info(headline(record))
    return record


cli = hydra_command(run_training, "train")

if __name__ == "__main__":
    cli(sys.argv[1:])
