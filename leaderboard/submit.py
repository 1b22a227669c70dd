"""Accepting a run directory onto the leaderboard: look up, verify, re-score against the split.

A submission is data. Its record's task, experiment and method are looked up by exact name in
the task registry and the ``conf/experiment`` listing before anything is composed; the official
config is then composed from those names alone, the data module, evaluator and split come from
the task's spec and the board's split store, and nothing the submission names is imported,
instantiated or used as a path. A schema-2 record must name a split admitted on this board for
the official config of its experiment (``exactbench data import`` admits one made elsewhere); a
schema-1 record is re-scored when its data checksum matches the canonical split's arrays. The
stored metrics are the re-scored ones, never the submitted. Every failure is a
:class:`SubmissionError` with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard.configs import compose, experiment_names, split_key, split_of
from leaderboard.record import (
    PREDICTIONS_FILE,
    RecordError,
    RunRecord,
    check_timings,
    load_predictions,
    load_record,
    predictions_digest,
)
from leaderboard.store import Board, BoardError, DuplicateSubmission
from tasks.spec import TaskSpec, get_task
from tasks.splits import SPLIT_ID, Split, SplitError, admitted, store_dir, stored_split

# Method names of schema-1 records (before method names were config names), per task.
V1_METHODS = {
    "qho": {
        **{"pinn": "qho_pinn", "fcn": "qho_pinn", "pinn_data": "qho_pinn"},
        **{"exact": "qho_exact", "split_operator": "qho_split_operator"},
    },
    "ks_inversion": {"fno": "ks_fno", "pinn": "ks_pinn", "idea": "ks_idea"},
    "tddft": {"fno": "tddft_fno"},
    "regc": {"grand_potential": "regc_grand_potential"},
    "cft": {"eql": "cft_eql"},
    "mft": {"mft_form": "mft_mft_form", "scaling_net": "mft_scaling_net"},
}


class SubmissionError(ValueError):
    """A submission was rejected; the message says why."""


def lookup_task(record: RunRecord) -> TaskSpec:
    """The registered spec of the record's task (exact name)."""
    try:
        return get_task(record.task)
    except KeyError as error:
        raise SubmissionError(str(error.args[0])) from None


def lookup_method(spec: TaskSpec, record: RunRecord) -> tuple[str, str]:
    """``(method, kind)`` of the record, looked up among the task's models and baselines."""
    name = record.method
    if record.schema_version == 1:
        name = V1_METHODS.get(spec.name, {}).get(name, name)
    kind = spec.kind_of(name)
    if kind is None:
        raise SubmissionError(
            f"unknown method {record.method!r} for task {spec.name!r}; its models: "
            f"{', '.join(spec.models)}; its baselines: {', '.join(spec.baselines)}"
        )
    if (kind == "model") != (record.kind == "model"):
        raise SubmissionError(f"{name!r} is a {kind} of task {spec.name!r}, not a {record.kind}")
    return name, kind


def listed_experiment(experiment: str) -> str:
    """``experiment`` as ``conf/experiment`` spells it (or ``default``); otherwise refused."""
    listed = experiment_names()
    if experiment != "default" and experiment not in listed:
        raise SubmissionError(
            f"unknown experiment {experiment!r}; experiments: default, {', '.join(listed)}"
        )
    return "default" if experiment == "default" else listed[listed.index(experiment)]


def official_config(spec: TaskSpec, experiment: str) -> Any:
    """The repository's config of the task and a listed experiment (never the submitted one)."""
    experiment = listed_experiment(experiment)
    overrides = [f"task={spec.name}"]
    if experiment != "default":
        overrides.append(f"experiment={experiment}")
    try:
        cfg = compose(overrides)
    except Exception as error:  # any composition failure is a rejection, never a traceback
        raise SubmissionError(f"experiment {experiment!r} does not compose: {error}") from error
    if cfg.task.name != spec.name or cfg.experiment_name != experiment:
        raise SubmissionError(
            f"experiment {experiment!r} belongs to task {cfg.task.name!r} "
            f"(as {cfg.experiment_name!r}), not {spec.name!r}"
        )
    return cfg


def official_split(cfg: Any, spec: TaskSpec, record: RunRecord) -> Split:
    """The board's split the record is scored on (see the module docstring)."""
    data_dir = Path(cfg.paths.data_dir)
    key = split_key(cfg)  # from the board's index: no data module (torch) when it is known
    ids = [entry["split_id"] for entry in admitted(store_dir(data_dir, spec.name, key))]
    if not ids:  # nothing here yet: build the official split (and admit it)
        ids = [split_of(cfg).split_id]
    if record.schema_version == 1:
        return _matching_v1(stored_split(data_dir, spec.name, key), record)
    if record.split_id not in ids:
        raise SubmissionError(
            f"the run was scored on split {str(record.split_id)[:12]}, which this board has not "
            f"admitted for {spec.name}/{record.experiment} (admitted: "
            f"{', '.join(i[:12] for i in ids)}); export it where the run was made "
            "(`exactbench data export`) and import it here (`exactbench data import FILE`): "
            "it is admitted if it reproduces the board's split within the task's tolerances"
        )
    return stored_split(data_dir, spec.name, key, record.split_id)


def _matching_v1(split: Split, record: RunRecord) -> Split:
    from tasks.cache import arrays_checksum

    if arrays_checksum(split.scoring) != record.data_checksum:
        raise SubmissionError(
            f"this schema-1 record was made on data ({record.data_checksum[:19]}) that differs "
            f"from the canonical split {split.split_id[:12]} of {record.task}/"
            f"{record.experiment}; re-run it with the current code"
        )
    return split


@dataclass(frozen=True)
class Scored:
    """A record re-scored on the board's split: what the board stores."""

    record: RunRecord
    method: str
    kind: str
    metrics: dict[str, float]
    predictions_hash: str


def check_metrics(spec: TaskSpec, metrics: Mapping[str, Any]) -> dict[str, float]:
    """The evaluator's metrics as floats, by the rule for non-finite values.

    The primary metric must be there and not NaN (it may be ±infinity: a limit, e.g. the log10
    error of an exact answer): a result that cannot be ranked is rejected. Other metrics may be
    missing (some belong to one method, e.g. iDEA's converged fraction) or NaN; the board shows
    them as "—" and leaves them out of the seed means.
    """
    values = {str(key): float(value) for key, value in metrics.items()}
    primary = values.get(spec.primary_metric, math.nan)
    if math.isnan(primary):
        raise SubmissionError(
            f"the predictions score NaN (or nothing) in the primary metric "
            f"{spec.primary_metric!r}; they cannot be ranked: predict every scored quantity"
        )
    return values


def admissible(run_dir: Path) -> tuple[RunRecord, TaskSpec, str, str, dict[str, np.ndarray]]:
    """``(record, spec, method, kind, predictions)`` of a run directory that passes every check
    short of scoring: intact record, known names, complete timings, safe predictions archive.

    Every name is checked before the board's configs or store are read.
    """
    try:
        record = load_record(run_dir)
    except RecordError as error:
        raise SubmissionError(str(error)) from error
    spec = lookup_task(record)
    method, kind = lookup_method(spec, record)
    if record.split != "test":
        raise SubmissionError(f"unknown split {record.split!r}: results are scored on 'test'")
    if record.schema_version == 2 and not SPLIT_ID.fullmatch(record.split_id):
        raise SubmissionError(
            f"split id {record.split_id[:70]!r} is not a SHA-256; it has not admitted anything"
        )
    listed_experiment(record.experiment)
    try:
        check_timings(record)
        predictions = load_predictions(run_dir)
    except RecordError as error:
        raise SubmissionError(str(error)) from error
    return record, spec, method, kind, predictions


def rescore(run_dir: Path) -> Scored:
    """The run directory's saved predictions scored on the board's split."""
    record, spec, method, kind, predictions = admissible(run_dir)
    cfg = official_config(spec, record.experiment)
    try:
        split = official_split(cfg, spec, record)
    except SplitError as error:
        raise SubmissionError(str(error)) from error
    try:
        metrics = spec.load_evaluator()(predictions, split.scoring)
    except Exception as error:  # a hostile file may break the evaluator in any way
        raise SubmissionError(f"predictions cannot be scored: {error}") from error
    metrics = check_metrics(spec, metrics)
    return Scored(record, method, kind, metrics, predictions_digest(predictions))


def store(board: Board, scored: Scored, author: str, predictions: bytes, **connection) -> int:
    """Add a scored record to the board (see :meth:`Board.add`); a duplicate is rejected."""
    try:
        return board.add(
            scored.record,
            method=scored.method,
            kind=scored.kind,
            metrics=scored.metrics,
            author=author,
            predictions_hash=scored.predictions_hash,
            predictions=predictions,
            **connection,
        )
    except (DuplicateSubmission, BoardError) as error:
        raise SubmissionError(str(error)) from error


def submit(run_dir: Path, board: Board, author: str) -> int:
    """Validate, re-score and store one run directory; returns the new entry's id.

    Every failure, including the board's database, is a :class:`SubmissionError`.
    """
    scored = rescore(Path(run_dir))
    return store(board, scored, author, (Path(run_dir) / PREDICTIONS_FILE).read_bytes())
