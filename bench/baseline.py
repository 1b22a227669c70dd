"""``exactbench baseline``: run a conventional solver on the test split, write its run record."""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig

from bench.config import hydra_command, instantiate_named
from leaderboard.record import RunRecord


def run_baseline(cfg: DictConfig, run_dir: Path) -> RunRecord:
    """Predict the test split with ``cfg.baseline``; score, plot, log and seal the record."""
    from hydra.utils import instantiate

    from bench.loggers import close, make_logger
    from bench.records import predict_and_record

    if not cfg.get("baseline"):
        raise SystemExit(
            "no baseline selected: add baseline=<name> (one of the files in conf/baseline/, "
            f"e.g. baseline={cfg.task.default_baseline})"
        )
    split = instantiate(cfg.task.datamodule, _convert_="all").test_split()
    method, solver = instantiate_named(cfg.baseline)
    logger = make_logger(cfg, method, "baseline")
    try:
        return predict_and_record(
            cfg, run_dir, method=method, kind="baseline", predict=solver.predict, split=split,
            logger=logger, timings={"train": 0.0},
        )  # fmt: skip
    finally:
        close(logger)


cli = hydra_command(run_baseline, "baseline")

if __name__ == "__main__":
    cli(sys.argv[1:])
