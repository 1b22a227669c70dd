"""Accepting a run directory onto the leaderboard: validate, rebuild the official split, re-score.

A submission is accepted only if its record is intact (schema, content hash, predictions hash),
its task and experiment exist in ``conf/``, its data checksum equals that of the official test
split rebuilt from the repository's config, and its predictions can be scored by the task's
evaluator against that split. The stored metrics are the re-scored ones, never the submitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from hydra.utils import get_method, instantiate

from leaderboard.configs import compose
from leaderboard.record import RecordError, RunRecord, load_predictions, load_record
from leaderboard.store import Board, DuplicateSubmission
from tasks.cache import CachedArrays


class SubmissionError(ValueError):
    """A submission was rejected; the message says why."""


def official_config(record: RunRecord) -> Any:
    """The repository's config of the record's task and experiment (not the submitted one)."""
    overrides = [f"task={record.task}"]
    if record.experiment != "default":
        overrides.append(f"experiment={record.experiment}")
    try:
        cfg = compose(overrides)
    except HydraException as error:
        raise SubmissionError(
            f"unknown task or experiment {record.task}/{record.experiment}: {error}"
        ) from error
    if cfg.task.name != record.task:
        raise SubmissionError(
            f"experiment {record.experiment!r} belongs to task {cfg.task.name!r}, "
            f"not {record.task!r}"
        )
    return cfg


def official_split(cfg: Any) -> CachedArrays:
    """The test split built (or loaded from the cache) from the official config."""
    return instantiate(cfg.task.datamodule, _convert_="all").test_split()


def rescore(run_dir: Path, record: RunRecord) -> tuple[Any, dict[str, float]]:
    """(official config, metrics of the saved predictions on the official split)."""
    cfg = official_config(record)
    split = official_split(cfg)
    if record.data_checksum != split.checksum:
        raise SubmissionError(
            f"data checksum {record.data_checksum} differs from the official test split of "
            f"{record.task}/{record.experiment} ({split.checksum}); it was produced with a "
            "changed task config or generator: re-run it with the official config"
        )
    evaluator = get_method(cfg.task.evaluator)
    try:
        metrics = evaluator(load_predictions(run_dir), split.arrays)
    except (ValueError, KeyError) as error:
        raise SubmissionError(f"predictions cannot be scored: {error}") from error
    return cfg, metrics


def submit(run_dir: Path, board: Board, author: str) -> int:
    """Validate, re-score and store one run directory; returns the new entry's id."""
    try:
        record = load_record(run_dir)
    except RecordError as error:
        raise SubmissionError(str(error)) from error
    cfg, metrics = rescore(Path(run_dir), record)
    try:
        return board.add(
            record,
            metrics=metrics,
            primary_metric=str(cfg.task.primary_metric),
            author=author,
        )
    except DuplicateSubmission as error:
        raise SubmissionError(str(error)) from error
