"""The run record: what one result of the benchmark is, for every task, model and baseline.

A run directory holds ``result.json`` (a :class:`RunRecord`) and ``predictions.npz`` (the raw
predictions on the task's test split). The record carries the SHA-256 of the predictions file
and a content hash over its own canonical JSON, so an edited record or swapped predictions are
detected by :func:`load_record`.

Schema 2 names the canonical split it was scored on (``split_id``, see :mod:`tasks.splits`);
schema 1 carried a checksum of all split arrays (``data_checksum``) and still loads: its hash is
checked over its own fields, and the board re-scores it when that checksum matches the
canonical split's arrays. Files are size-checked before they are parsed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

SCHEMA_VERSION = 2
RECORD_FILE = "result.json"
PREDICTIONS_FILE = "predictions.npz"
MAX_RECORD_BYTES = 8 << 20
VERSION_FIELDS = {1: "data_checksum", 2: "split_id"}  # the field only that version has
MEMBER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.npy")
MAX_RATIO = 200  # largest uncompressed/compressed size of one archive member
MAX_DEPTH = 32  # deepest nesting of JSON objects in a record
REQUIRED_TIMINGS = ("train", "inference_total", "inference_per_sample")
HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class RecordError(ValueError):
    """A run record is missing, malformed, or does not match its content hash."""


class GitInfo(BaseModel):
    """Source state of the code that produced the result."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    commit: str | None
    dirty: bool | None


class WandbInfo(BaseModel):
    """Where the W&B run of this result lives (``wandb sync DIR`` uploads an offline run)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: str
    run_id: str | None
    dir: str | None


class RunRecord(BaseModel):
    """One result: task, method, re-computable metrics and the full provenance of the run.

    ``timings`` are in seconds: ``train`` (wall time of fitting, 0 for baselines),
    ``inference_per_sample`` (wall time of predicting the test split / number of samples),
    plus task- or method-specific entries (e.g. ``train_step_mean``, ``harness_overhead``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal[1, 2] = SCHEMA_VERSION
    task: str
    method: str
    kind: Literal["model", "baseline", "reference"]
    experiment: str
    split: str
    seed: int
    metrics: dict[str, float]
    timings: dict[str, float]
    config: dict[str, Any]
    split_id: str | None = None
    data_checksum: str | None = None
    predictions_sha256: str
    git: GitInfo
    packages: dict[str, str]
    hardware: dict[str, Any]
    wandb: WandbInfo | None
    created_utc: str
    content_hash: str = ""

    @model_validator(mode="after")
    def _fields_of_its_version(self) -> RunRecord:
        own = VERSION_FIELDS[self.schema_version]
        other = VERSION_FIELDS[3 - self.schema_version]
        if getattr(self, own) is None or getattr(self, other) is not None:
            raise ValueError(f"schema {self.schema_version} records carry {own} (and not {other})")
        if self.schema_version == 1 and self.kind == "reference":
            raise ValueError("schema 1 records are of kind model or baseline")
        return self

    def compute_hash(self) -> str:
        """SHA-256 of the canonical JSON of every field of its schema except ``content_hash``."""
        absent = VERSION_FIELDS[3 - self.schema_version]
        payload = self.model_dump(mode="json", exclude={"content_hash", absent})
        return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


def _canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_record(
    run_dir: Path, fields: Mapping[str, Any], predictions: Mapping[str, np.ndarray]
) -> RunRecord:
    """Save ``predictions.npz`` and ``result.json`` into ``run_dir``; return the sealed record.

    ``fields`` are all :class:`RunRecord` fields except ``predictions_sha256`` and
    ``content_hash``, which are computed here.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    predictions_path = run_dir / PREDICTIONS_FILE
    np.savez(predictions_path, **{key: np.asarray(value) for key, value in predictions.items()})
    if isinstance(fields.get("metrics"), Mapping):
        fields = {**fields, "metrics": _finite_or_nan(fields["metrics"])}
    try:
        record = RunRecord(**fields, predictions_sha256=file_sha256(predictions_path))
    except ValidationError as error:
        raise RecordError(f"cannot build a run record: {error}") from error
    record = record.model_copy(update={"content_hash": record.compute_hash()})
    tmp = run_dir / (RECORD_FILE + ".tmp")
    payload = record.model_dump(mode="json", exclude={VERSION_FIELDS[3 - record.schema_version]})
    tmp.write_text(json.dumps(payload, indent=2, allow_nan=True) + "\n")
    tmp.replace(run_dir / RECORD_FILE)
    return record


def _finite_or_nan(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {key: float(value) if value is not None else math.nan for key, value in metrics.items()}


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def load_record(run_dir: Path, check_predictions: bool = True) -> RunRecord:
    """Read and verify a run directory's record.

    Raises :class:`RecordError` when the file is missing or not JSON, a field is missing or has
    the wrong type, the content hash does not match (the record was edited), or the predictions
    file is missing or differs from the one the record was sealed with.
    """
    path = Path(run_dir) / RECORD_FILE
    if not path.is_file():
        raise RecordError(f"{path} not found: is {run_dir} a run directory of `exactbench train`?")
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise RecordError(f"{path} is larger than {MAX_RECORD_BYTES} bytes")
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        too_deep = _depth(raw) > MAX_DEPTH
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise RecordError(f"{path} is not valid JSON ({error}); re-run the experiment") from error
    if too_deep:
        raise RecordError(f"{path} nests deeper than {MAX_DEPTH} levels")
    try:
        record = RunRecord.model_validate(raw)
    except ValidationError as error:
        raise RecordError(
            f"{path} does not follow run-record schema {SCHEMA_VERSION}:\n{error}"
        ) from error
    if record.content_hash != record.compute_hash():
        raise RecordError(
            f"{path} was modified after it was written (content hash mismatch); "
            "records cannot be edited by hand, re-run the experiment instead"
        )
    if check_predictions:
        predictions_path = Path(run_dir) / PREDICTIONS_FILE
        if not predictions_path.is_file():
            raise RecordError(f"{predictions_path} is missing; the record cannot be re-scored")
        if file_sha256(predictions_path) != record.predictions_sha256:
            raise RecordError(
                f"{predictions_path} differs from the predictions the record was written with"
            )
    return record


def max_predictions_bytes() -> int:
    """Largest uncompressed predictions file read (``EXACTBENCH_MAX_PREDICTIONS_BYTES``, 2 GiB)."""
    return int(os.environ.get("EXACTBENCH_MAX_PREDICTIONS_BYTES", 2 << 30))


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    """A member is a plain top-level ``NAME.npy`` file compressed at most ``MAX_RATIO``:1."""
    name = info.filename
    if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16) or not MEMBER.fullmatch(name):
        raise RecordError(
            f"{path}: member {name[:80]!r} is not a plain top-level NAME.npy file (no links, "
            "directories, absolute or '..' paths); save predictions with numpy.savez"
        )
    if info.file_size > MAX_RATIO * max(info.compress_size, 1) + (1 << 20):
        raise RecordError(
            f"{path}: member {name!r} expands {info.file_size} bytes from {info.compress_size} "
            f"(over {MAX_RATIO}:1, a decompression bomb); save predictions with numpy.savez"
        )


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One array, its npy header (dtype, shape) checked against the member's size first."""
    with archive.open(info) as handle:
        try:
            version = np.lib.format.read_magic(handle)
            read_header = HEADER_READERS[version]
            shape, _, dtype = read_header(handle)
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise RecordError(f"{path}: {info.filename} is not a .npy array ({error})") from error
        if dtype.hasobject:
            raise RecordError(f"{path}: {info.filename} holds objects; save numeric arrays")
        declared = math.prod(shape) * dtype.itemsize
        if declared > info.file_size:
            raise RecordError(
                f"{path}: {info.filename} declares shape {shape} ({declared} bytes) but holds "
                f"{info.file_size} bytes"
            )
        handle.seek(0)
        try:
            array = np.lib.format.read_array(handle, allow_pickle=False)
        except (ValueError, OSError, EOFError) as error:
            raise RecordError(f"{path}: {info.filename} unreadable ({error})") from error
    return array


def load_predictions(run_dir: Path) -> dict[str, np.ndarray]:
    """The arrays of a run directory's ``predictions.npz``, everything checked before reading.

    Raises :class:`RecordError` for a file that is not a zip of plain top-level ``NAME.npy``
    members (no links, directories or paths), a member compressed more than ``MAX_RATIO``:1, an
    archive unpacking to more than :func:`max_predictions_bytes`, an npy header whose declared
    shape exceeds its member, or object arrays. NaN and infinities are allowed: tasks mark what a
    method does not predict with NaN, and the evaluator decides what they score (see
    :func:`leaderboard.submit.check_metrics` for the rule on metrics).
    """
    path = Path(run_dir) / PREDICTIONS_FILE
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if len(set(names)) != len(names) or not names:
                raise RecordError(f"{path}: empty, or a member name appears twice")
            total = sum(info.file_size for info in infos)
            if total > max_predictions_bytes():
                raise RecordError(
                    f"{path} unpacks to {total} bytes, over the limit {max_predictions_bytes()} "
                    "(EXACTBENCH_MAX_PREDICTIONS_BYTES)"
                )
            for info in infos:
                _check_member(path, info)
            return {info.filename[:-4]: _read_member(path, archive, info) for info in infos}
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise RecordError(f"{path} is not a readable npz archive ({error})") from error


def predictions_digest(predictions: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the arrays' names, dtypes, shapes and bytes (not of the file's zip framing)."""
    from tasks.cache import arrays_checksum

    return arrays_checksum(predictions).removeprefix("sha256:")


def check_timings(record: RunRecord) -> None:
    """Timings must hold ``REQUIRED_TIMINGS`` and be finite and non-negative seconds."""
    missing = [key for key in REQUIRED_TIMINGS if key not in record.timings]
    if missing:
        raise RecordError(f"timings lack {missing}; write records with `exactbench train`")
    bad = {k: v for k, v in record.timings.items() if not (math.isfinite(v) and v >= 0)}
    if bad:
        raise RecordError(f"timings must be finite and >= 0 seconds; got {bad}")
