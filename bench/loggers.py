"""Experiment loggers (W&B offline by default, CSV, or none) built from ``cfg.logger``.

A W&B run is started in a background thread (:func:`start_logger`) while the main thread
imports torch and Lightning and builds the data: ``wandb.init`` mostly waits for W&B's own
service process, so the run is ready by the time training starts and adds almost nothing to
the start-up. W&B keeps logging (offline by default) but is silent on the console unless
``exactbench --verbose`` (or ``WANDB_SILENT=false``).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

RUN_ID_FILE = "wandb_run_id"
# WandbLogger arguments that are Lightning's own; the others go to ``wandb.init``.
LIGHTNING_ONLY = ("_target_", "save_dir", "log_model", "prefix", "checkpoint_name", "offline")


def persistent_run_id(run_dir: Path) -> str:
    """The W&B run id of ``run_dir``: read from ``run_dir/wandb_run_id``, created on first use."""
    path = Path(run_dir) / RUN_ID_FILE
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:16]
    path.write_text(run_id + "\n")
    return run_id


class PendingLogger:
    """The logger of one run, possibly still starting; :meth:`get` waits for it."""

    def __init__(self, cfg: DictConfig, method: str, kind: str, run_dir: Path) -> None:
        self._logger: Any = None
        self._run: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        node = cfg.get("logger")
        if not node:
            return
        params = OmegaConf.to_container(node, resolve=True)
        if not params["_target_"].endswith("WandbLogger"):
            self._logger = instantiate(node)
            return
        if not os.environ.get("EXACTBENCH_VERBOSE"):  # the run record says where the run is
            os.environ.setdefault("WANDB_SILENT", "true")
        self._params = {k: v for k, v in params.items() if k != "_target_"}
        init = {k: v for k, v in params.items() if k not in LIGHTNING_ONLY}
        init |= {"dir": params.get("save_dir"), "name": f"{method}-seed{cfg.seed}"}
        init |= {"job_type": kind}
        # A requeued job (preemption) continues the same W&B run: its id lives in the run dir.
        init |= {"id": persistent_run_id(run_dir), "resume": "allow"}
        self._thread = threading.Thread(target=self._start, args=(init,), daemon=True)
        self._thread.start()

    def _start(self, init: dict[str, Any]) -> None:
        try:
            import wandb

            self._run = wandb.init(**init)
        except BaseException as error:  # re-raised in the main thread by get()
            self._error = error

    def get(self) -> Any:
        """The Lightning logger (``None`` for ``logger=none``), once its run has started."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            if self._error is not None:
                raise self._error
            from lightning.pytorch.loggers import WandbLogger

            self._logger = WandbLogger(experiment=self._run, **self._params)
        return self._logger

    def close(self) -> None:
        """End the run (also after a failure before :meth:`get`, so nothing is left open)."""
        if self._thread is not None:
            self._thread.join()
        if self._run is not None:
            self._run.finish()
            self._run = None


def start_logger(cfg: DictConfig, method: str, kind: str, run_dir: Path) -> PendingLogger:
    """Start the configured logger, named ``<method>-seed<seed>`` (see the module docstring)."""
    return PendingLogger(cfg, method, kind, run_dir)


def wandb_info(logger: Any) -> dict[str, Any] | None:
    """Mode, run id and local directory of a W&B run (``wandb sync`` that directory)."""
    from lightning.pytorch.loggers import WandbLogger

    if not isinstance(logger, WandbLogger):
        return None
    run = logger.experiment
    run_dir = Path(run.dir).parent if getattr(run, "dir", None) else None
    mode = "disabled" if getattr(run, "disabled", False) else run.settings.mode
    return {"mode": str(mode), "run_id": run.id, "dir": str(run_dir) if run_dir else None}


def log_results(logger: Any, metrics: Mapping[str, float], figures: Sequence[Path]) -> None:
    """Test metrics (as ``test/<name>``) and figures to the logger."""
    if logger is None:
        return
    from lightning.pytorch.loggers import WandbLogger

    test_metrics = {f"test/{key}": value for key, value in metrics.items()}
    if isinstance(logger, WandbLogger):
        logger.experiment.summary.update(test_metrics)
        if figures:
            logger.log_image("figures", images=[str(path) for path in figures])
    else:
        logger.log_metrics(test_metrics)
        logger.save()
