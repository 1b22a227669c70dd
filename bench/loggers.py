"""Experiment loggers (W&B offline by default, CSV, or none) built from ``cfg.logger``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig


def make_logger(cfg: DictConfig, method: str, kind: str) -> Logger | None:
    """The configured logger, named ``<method>-seed<seed>``; None for ``logger=none``."""
    if not cfg.get("logger"):
        return None
    extra: dict[str, Any] = {}
    if cfg.logger._target_.endswith("WandbLogger"):
        extra = {"name": f"{method}-seed{cfg.seed}", "job_type": kind}
    return instantiate(cfg.logger, **extra)


def wandb_info(logger: Logger | None) -> dict[str, Any] | None:
    """Mode, run id and local directory of a W&B run (``wandb sync`` that directory)."""
    if not isinstance(logger, WandbLogger):
        return None
    run = logger.experiment
    run_dir = Path(run.dir).parent if getattr(run, "dir", None) else None
    mode = "disabled" if getattr(run, "disabled", False) else run.settings.mode
    return {"mode": str(mode), "run_id": run.id, "dir": str(run_dir) if run_dir else None}


def log_results(
    logger: Logger | None, metrics: Mapping[str, float], figures: Sequence[Path]
) -> None:
    """Test metrics (as ``test/<name>``) and figures to the logger."""
    if logger is None:
        return
    test_metrics = {f"test/{key}": value for key, value in metrics.items()}
    if isinstance(logger, WandbLogger):
        logger.experiment.summary.update(test_metrics)
        if figures:
            logger.log_image("figures", images=[str(path) for path in figures])
    else:
        logger.log_metrics(test_metrics)
        logger.save()


def close(logger: Logger | None) -> None:
    """End the logger's run (also after a failed or pruned run, so the next one starts anew)."""
    if isinstance(logger, WandbLogger) and logger._experiment is not None:
        logger.experiment.finish()
