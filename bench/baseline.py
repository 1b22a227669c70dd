"""``exactbench baseline``: run a conventional solver on the test split, write its run record."""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig

from bench.config import hydra_command, instantiate_method, method_of
from leaderboard.configs import make_datamodule
from leaderboard.record import RunRecord


def run_baseline(cfg: DictConfig, run_dir: Path) -> RunRecord:
    """Predict the test split's inputs with ``cfg.baseline``; score, plot, log, seal the record."""
    from bench.loggers import start_logger
    from bench.records import predict_and_record

    method, kind = method_of(cfg, "baseline")
    pending = start_logger(cfg, method, kind, run_dir)
    try:
        _, _, solver = instantiate_method(cfg, "baseline")
        split = make_datamodule(cfg).test_split()
        return predict_and_record(
            cfg, run_dir, method=method, kind=kind, predict=solver.predict, split=split,
            logger=pending.get(), timings={"train": 0.0},
        )  # fmt: skip
    finally:
        pending.close()


cli = hydra_command(run_baseline, "baseline")

if __name__ == "__main__":
    cli(sys.argv[1:])
