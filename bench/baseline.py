"""``exactbench baseline``: run a conventional solver on the test split, write its run record."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from omegaconf import DictConfig

from bench.config import hydra_command
from leaderboard.record import RunRecord

log = logging.getLogger(__name__)


def run_baseline(cfg: DictConfig, run_dir: Path) -> RunRecord:
    """Predict the test split with ``cfg.baseline``; score, plot, log and seal the record."""
    from hydra.utils import instantiate

    from bench.loggers import close, log_results, make_logger, wandb_info
    from bench.records import headline, n_samples, save_plots, score, seal, timed
    from bench.train import instantiate_named

    if not cfg.get("baseline"):
        raise SystemExit(
            "no baseline selected: add baseline=<name> (one of the files in conf/baseline/, "
            f"e.g. baseline={cfg.task.default_baseline})"
        )
    split = instantiate(cfg.task.datamodule).test_split()
    method, solver = instantiate_named(cfg.baseline)
    logger = make_logger(cfg, method, "baseline")
    predictions, seconds = timed(solver.predict, split.arrays)
    metrics = score(cfg, predictions, split)
    timings = {
        "train": 0.0,
        "inference_total": seconds,
        "inference_per_sample": seconds / n_samples(cfg, split),
    }
    record = seal(
        cfg, run_dir, method=method, kind="baseline", split=split, predictions=predictions,
        metrics=metrics, timings=timings, wandb_info=wandb_info(logger),
    )  # fmt: skip
    log_results(logger, metrics, save_plots(cfg, predictions, split, run_dir))
    close(logger)
    log.info(headline(record))
    return record


cli = hydra_command(run_baseline, "baseline")

if __name__ == "__main__":
    cli(sys.argv[1:])
