"""Scoring predictions with the task's evaluator and sealing the run record (train and baseline)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from bench.provenance import git_state, hardware, package_versions
from leaderboard.record import RunRecord, write_record
from tasks.spec import get_task
from tasks.splits import Split

log = logging.getLogger(__name__)


def timed(function, *args: Any) -> tuple[Any, float]:
    """``function(*args)`` and its wall time in seconds."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def score(cfg: DictConfig, predictions: Mapping[str, np.ndarray], split: Split) -> dict:
    """Metrics of ``predictions`` from the evaluator of the task's spec."""
    return get_task(cfg.task.name).load_evaluator()(predictions, split.scoring)


def seal(
    cfg: DictConfig,
    run_dir: Path,
    *,
    method: str,
    kind: str,
    split: Split,
    predictions: Mapping[str, np.ndarray],
    metrics: Mapping[str, float],
    timings: Mapping[str, float],
    wandb_info: Mapping[str, Any] | None,
) -> RunRecord:
    """Write ``predictions.npz`` and the hashed ``result.json`` of one run into ``run_dir``."""
    run_config = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])
    config = OmegaConf.to_container(run_config, resolve=True)
    fields = {
        "task": cfg.task.name,
        "method": method,
        "kind": kind,
        "experiment": cfg.experiment_name,
        "split": "test",
        "seed": int(cfg.seed),
        "metrics": dict(metrics),
        "timings": dict(timings),
        "config": config,
        "split_id": split.split_id,
        "git": git_state(),
        "packages": package_versions(),
        "hardware": hardware(),
        "wandb": dict(wandb_info) if wandb_info else None,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    record = write_record(run_dir, fields, predictions)
    log.info("run record written to %s", Path(run_dir) / "result.json")
    return record


def save_plots(
    cfg: DictConfig, predictions: Mapping[str, np.ndarray], split: Split, run_dir: Path
) -> list[Path]:
    """Figures from the plotter of the task's spec in ``run_dir/plots``."""
    plotter = get_task(cfg.task.name).plotter
    if not cfg.plots or plotter is None:
        return []
    return plotter.load()(predictions, split.scoring, Path(run_dir) / "plots")


def headline(record: RunRecord, keys: tuple[str, ...] = ()) -> str:
    """One line with the main metrics and timings of a record, for the terminal."""
    shown = keys or tuple(k for k in record.metrics if "[" not in k)[:4]
    parts = [f"{k}={record.metrics[k]:.4g}" for k in shown if k in record.metrics]
    parts += [
        f"{k}={v:.3g}s" for k, v in record.timings.items() if k in ("train", "inference_per_sample")
    ]
    return f"{record.task}/{record.method} ({record.kind}): " + ", ".join(parts)


def predict_and_record(
    cfg: DictConfig,
    run_dir: Path,
    *,
    method: str,
    kind: str,
    predict: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
    split: Split,
    logger: Any,
    timings: Mapping[str, float],
) -> RunRecord:
    """Time ``predict`` on the split's inputs, score it, seal the record, plot and log the result.

    ``predict`` sees only ``split.inputs`` (read-only; references are hidden). The shared end
    of ``train`` and ``baseline``: ``timings`` (e.g. ``train``) are completed
    with ``inference_total`` and ``inference_per_sample`` (s), and ``inference_per_frame`` when
    the predictions say how many frames each sample propagated (``propagated_frames``).
    """
    from bench.loggers import log_results, wandb_info
    from leaderboard.configs import remember_split

    remember_split(cfg, split.manifest["config_key"])  # later lookups need no data module
    predictions, seconds = timed(predict, split.inputs)
    metrics = score(cfg, predictions, split)
    per_sample = seconds / split.n_samples(get_task(cfg.task.name))
    timings = {**timings, "inference_total": seconds, "inference_per_sample": per_sample}
    if "propagated_frames" in predictions:  # time propagators: the cost of one frame
        timings["inference_per_frame"] = per_sample / float(predictions["propagated_frames"])
    record = seal(
        cfg, run_dir, method=method, kind=kind, split=split, predictions=predictions,
        metrics=metrics, timings=timings, wandb_info=wandb_info(logger),
    )  # fmt: skip
    log_results(logger, metrics, save_plots(cfg, predictions, split, run_dir))
    log.info(headline(record))
    return record
