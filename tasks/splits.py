"""Canonical test splits: versioned, content-addressed files with a manifest, and their store.

A split file is a zip archive (readable by ``numpy.load``) holding ``manifest.json`` and one
``<part>/<name>.npy`` per array, ``part`` being ``inputs``, ``references`` or ``provenance`` of
the task's spec (:mod:`tasks.spec`). The manifest names the task, the generator config (and its
key), the format version, and per array its dtype, shape, unit and tolerances; inputs and
references also carry a SHA-256. The split id is the SHA-256 of the canonical JSON of the task,
format, generator config and those per-array dtypes, shapes and checksums: provenance (timings,
sampler statistics) is stored but never part of the id, so a rebuild elsewhere can differ there.

The store keeps files under ``<data_dir>/splits/<task>/<config_key>/<split_id>.npz``, beside
``admitted.json``: the ids admitted for that generator config, the first one being the split runs
use. A split is admitted when built here, or when imported and either nothing was there or it
reproduces the admitted split within the spec's per-array tolerances. Nothing is overwritten.

Predictors see a split only through :attr:`Split.inputs`, a read-only mapping that refuses
reference keys with a ``KeyError`` saying references are hidden.

Hand-written because no library does this: it is the harness's own file contract. ``zipfile``
and ``numpy.lib.format`` do the storage.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from tasks.cache import config_key
from tasks.spec import PARTS, TaskSpec, get_task

log = logging.getLogger(__name__)

FORMAT = "exactbench-split/1"
MANIFEST = "manifest.json"
ADMITTED = "admitted.json"
SPLIT_ID = re.compile(r"[0-9a-f]{64}")
MEMBER = re.compile(r"(inputs|references|provenance)/([a-z][a-z0-9_]{0,63})\.npy")
MAX_MANIFEST_BYTES = 1 << 20


def max_split_bytes() -> int:
    """Largest uncompressed split accepted (``EXACTBENCH_MAX_SPLIT_BYTES``, default 8 GiB)."""
    return int(os.environ.get("EXACTBENCH_MAX_SPLIT_BYTES", 8 << 30))


class SplitError(ValueError):
    """A split file or store entry is missing, malformed, or does not match its manifest."""


class InputsView(Mapping):
    """Read-only inputs of a split; asking for a reference is a ``KeyError`` that says why."""

    def __init__(self, task: str, inputs: Mapping[str, np.ndarray], hidden: set[str]) -> None:
        self._task, self._arrays, self._hidden = task, dict(inputs), frozenset(hidden)

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self._arrays:
            return self._arrays[key]
        if key in self._hidden:
            raise KeyError(
                f"{key!r} is a reference of task {self._task!r}: references are hidden from "
                f"predictors, which read only the inputs {sorted(self._arrays)}"
            )
        raise KeyError(f"task {self._task!r} has no input {key!r}; inputs: {sorted(self._arrays)}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = np.asarray(array).view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Split:
    """A test split: its three parts, its manifest and (when stored) its file."""

    task: str
    inputs: InputsView
    references: Mapping[str, np.ndarray]
    provenance: Mapping[str, np.ndarray]
    manifest: Mapping[str, Any]
    path: Path | None = None

    @property
    def split_id(self) -> str:
        return str(self.manifest["split_id"])

    @property
    def scoring(self) -> dict[str, np.ndarray]:
        """Every array (inputs, references, provenance): what the evaluator and plotter read."""
        return {**self.inputs, **self.references, **self.provenance}

    def n_samples(self, spec: TaskSpec) -> int:
        """Test samples, counted along the spec's sample key."""
        return len(np.atleast_1d(self.inputs[spec.sample_key]))


def array_sha256(array: np.ndarray) -> str:
    """SHA-256 over dtype, shape and bytes of one array."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.dtype.str}|{array.shape}|".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def _canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def partition(spec: TaskSpec, arrays: Mapping[str, np.ndarray]) -> dict[str, dict]:
    """Arrays sorted into the spec's three parts; every declared array must be there, no other."""
    missing = sorted(set(spec.arrays) - set(arrays))
    extra = sorted(set(arrays) - set(spec.arrays))
    if missing or extra:
        raise SplitError(
            f"task {spec.name!r}: the built split does not follow its spec "
            f"(missing {missing}, undeclared {extra}); declare every array in tasks/"
            f"{spec.name}/spec.py"
        )
    parts: dict[str, dict] = {part: {} for part in PARTS}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise SplitError(f"task {spec.name!r}: array {key!r} has object dtype")
        parts[spec.part_of(key)][key] = array
    return parts


def make_manifest(
    spec: TaskSpec, generator: Mapping[str, Any], parts: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, Any]:
    """The manifest of a split; ``split_id`` hashes everything but provenance and build notes."""
    described: dict[str, dict] = {}
    for part in PARTS:
        declared = getattr(spec, part)
        described[part] = {}
        for key, array in sorted(parts[part].items()):
            entry = {"dtype": array.dtype.str, "shape": list(array.shape)}
            entry |= {"unit": declared[key].unit, "meaning": declared[key].meaning}
            if part != "provenance":
                entry |= {"sha256": array_sha256(array)}
                entry |= {"rtol": declared[key].rtol, "atol": declared[key].atol}
            described[part][key] = entry
    generator = json.loads(json.dumps(dict(generator)))
    manifest = {"format": FORMAT, "task": spec.name, "generator": generator}
    manifest |= {"config_key": config_key(generator), "arrays": described}
    manifest["split_id"] = split_id_of(manifest)
    return manifest


def split_id_of(manifest: Mapping[str, Any]) -> str:
    """The content address of a manifest (see the module docstring)."""
    arrays = manifest["arrays"]
    identity = {
        part: {
            key: {field: entry[field] for field in ("dtype", "shape", "sha256")}
            for key, entry in arrays[part].items()
        }
        for part in ("inputs", "references")
    }
    payload = {
        "format": manifest["format"],
        "task": manifest["task"],
        "generator": manifest["generator"],
        "arrays": identity,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def make_split(
    spec: TaskSpec,
    generator: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    path: Path | None = None,
) -> Split:
    """A :class:`Split` from freshly built arrays."""
    parts = partition(spec, arrays)
    return _split(spec, make_manifest(spec, generator, parts), parts, path)


def _split(spec: TaskSpec, manifest: Mapping, parts: Mapping[str, Mapping], path) -> Split:
    frozen = {part: {k: _read_only(v) for k, v in parts[part].items()} for part in PARTS}
    return Split(
        task=spec.name,
        inputs=InputsView(spec.name, frozen["inputs"], set(frozen["references"])),
        references=MappingProxyType(frozen["references"]),
        provenance=MappingProxyType(frozen["provenance"]),
        manifest=MappingProxyType(dict(manifest)),
        path=path,
    )


def write_split(split: Split, path: Path) -> Path:
    """Write a split file atomically (no overwrite of an existing file)."""
    path = Path(path)
    if path.exists():
        raise SplitError(f"{path} exists already; nothing was overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # concurrent builders never mix
    parts = {"inputs": split.inputs, "references": split.references}
    parts["provenance"] = split.provenance
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(MANIFEST, json.dumps(dict(split.manifest), indent=1, sort_keys=True))
        for part, arrays in parts.items():
            for key, array in arrays.items():
                with archive.open(f"{part}/{key}.npy", "w", force_zip64=True) as handle:
                    np.lib.format.write_array(handle, np.asarray(array), allow_pickle=False)
    tmp.replace(path)
    return path


def read_split(path: Path, expected_task: str | None = None) -> Split:
    """Read and verify a split file: member names, sizes, manifest, every checksum, the id.

    The file may come from elsewhere: nothing in it is imported or used as a path, sizes are
    checked before anything is decompressed, and the first array that differs is named.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise SplitError(f"{path} is not a split file ({error})") from error
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > max_split_bytes():
            raise SplitError(
                f"{path} unpacks to {total} bytes, over the limit {max_split_bytes()} "
                "(EXACTBENCH_MAX_SPLIT_BYTES)"
            )
        names = [info.filename for info in infos]
        if MANIFEST not in names:
            raise SplitError(f"{path} has no {MANIFEST}")
        if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST_BYTES:
            raise SplitError(f"{path}: {MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
        try:
            manifest = json.loads(archive.read(MANIFEST))
            spec = get_task(manifest["task"])
        except (ValueError, KeyError, TypeError) as error:
            raise SplitError(f"{path}: unreadable manifest ({error})") from error
        if manifest.get("format") != FORMAT:
            raise SplitError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
        if expected_task is not None and spec.name != expected_task:
            raise SplitError(f"{path} is a split of task {spec.name!r}, not {expected_task!r}")
        members = {}
        for name in names:
            if name == MANIFEST:
                continue
            match = MEMBER.fullmatch(name)
            if not match:
                raise SplitError(f"{path}: unexpected member {name!r}")
            members[(match.group(1), match.group(2))] = name
        declared = {(part, key) for key, (part, _) in spec.arrays.items()}
        if set(members) != declared:
            raise SplitError(
                f"{path}: arrays {sorted(set(members) ^ declared)} differ from task "
                f"{spec.name!r}'s spec"
            )
        parts: dict[str, dict] = {part: {} for part in PARTS}
        for (part, key), name in sorted(members.items()):
            with archive.open(name) as handle:
                try:
                    parts[part][key] = np.lib.format.read_array(handle, allow_pickle=False)
                except ValueError as error:
                    raise SplitError(f"{path}: array {part}/{key} unreadable ({error})") from error
    _verify_manifest(path, spec, manifest, parts)
    return _split(spec, manifest, parts, path)


def _verify_manifest(path: Path, spec: TaskSpec, manifest: Mapping, parts: Mapping) -> None:
    try:
        described = manifest["arrays"]
        for part in ("inputs", "references"):
            for key, array in parts[part].items():
                entry = described[part][key]
                if array_sha256(array) != entry["sha256"]:
                    raise SplitError(
                        f"{path}: array {part}/{key} does not match its checksum in the manifest"
                    )
        if manifest["config_key"] != config_key(manifest["generator"]):
            raise SplitError(f"{path}: the manifest's config key does not match its generator")
        if split_id_of(manifest) != manifest["split_id"]:
            raise SplitError(f"{path}: the manifest's split id does not match its contents")
    except (KeyError, TypeError) as error:
        raise SplitError(f"{path}: incomplete manifest (missing {error})") from error


@dataclass(frozen=True)
class Deviation:
    """How far one rebuilt array is from the stored one."""

    part: str
    name: str
    max_abs: float
    max_rel: float
    ok: bool
    reason: str = ""


def compare(spec: TaskSpec, stored: Split, rebuilt: Split) -> list[Deviation]:
    """Per-array deviations of ``rebuilt`` from ``stored`` (inputs and references)."""
    rows = []
    for part in ("inputs", "references"):
        declared = getattr(spec, part)
        old, new = getattr(stored, part), getattr(rebuilt, part)
        for key in sorted(declared):
            a, b = np.asarray(old[key]), np.asarray(new[key])
            rows.append(_deviation(part, key, a, b, declared[key].rtol, declared[key].atol))
    return rows


def _deviation(part: str, key: str, a: np.ndarray, b: np.ndarray, rtol, atol) -> Deviation:
    if a.shape != b.shape:
        return Deviation(part, key, np.inf, np.inf, False, f"shape {b.shape} != {a.shape}")
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        same = a.dtype == b.dtype and np.array_equal(a, b)
        return Deviation(part, key, 0.0 if same else np.inf, 0.0 if same else np.inf, same,
                         "" if same else "values differ (exact array)")  # fmt: skip
    if a.size == 0:
        return Deviation(part, key, 0.0, 0.0, True)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if not np.array_equal(nan_a, nan_b):
        return Deviation(part, key, np.inf, np.inf, False, "NaN at different places")
    with np.errstate(invalid="ignore"):
        diff = np.where(nan_a | (a == b), 0.0, np.abs(a - b))  # equal infinities agree
    scale = np.abs(np.where(nan_a | np.isinf(a), 0.0, a))
    max_abs = float(diff.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff > 0, diff / scale, 0.0)
    max_rel = float(rel.max())
    ok = bool(np.all(diff <= atol + rtol * scale))
    reason = "" if ok else f"outside rtol={rtol:g}, atol={atol:g}"
    return Deviation(part, key, max_abs, max_rel, ok, reason)


def deviation_table(rows: list[Deviation]) -> str:
    """Markdown table of :func:`compare`'s rows."""
    lines = ["| part | array | max abs dev | max rel dev | ok |", "|---|---|---|---|---|"]
    for row in rows:
        verdict = "yes" if row.ok else f"NO: {row.reason}"
        lines.append(
            f"| {row.part} | {row.name} | {row.max_abs:.3g} | {row.max_rel:.3g} | {verdict} |"
        )
    return "\n".join(lines)


# -- the store ------------------------------------------------------------------------------


def store_dir(data_dir: Path, task: str, key: str) -> Path:
    """Directory of the splits of one task and generator config."""
    return Path(data_dir) / "splits" / task / key


def admitted(directory: Path) -> list[dict[str, Any]]:
    """Admission entries of a store directory, first = the split runs use."""
    path = Path(directory) / ADMITTED
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text())
        return [e for e in entries if SPLIT_ID.fullmatch(str(e.get("split_id", "")))]
    except (ValueError, AttributeError) as error:
        raise SplitError(f"{path} is unreadable ({error}); restore it or move it aside") from error


def _admit(directory: Path, entry: Mapping[str, Any]) -> None:
    entries = admitted(directory)
    if any(e["split_id"] == entry["split_id"] for e in entries):
        return  # a concurrent builder admitted the same split first
    entries.append(dict(entry))
    tmp = Path(directory) / f"{ADMITTED}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(entries, indent=1) + "\n")
    tmp.replace(Path(directory) / ADMITTED)


def stored_split(data_dir: Path, task: str, key: str, split_id: str | None = None) -> Split | None:
    """The admitted split of (task, config key): the first, or the one with ``split_id``."""
    directory = store_dir(data_dir, task, key)
    for entry in admitted(directory):
        if split_id is None or entry["split_id"] == split_id:
            return read_split(directory / f"{entry['split_id']}.npz", expected_task=task)
    return None


def store(split: Split, data_dir: Path, how: str, **notes: Any) -> Path:
    """Write ``split`` into the store and admit it (see the module docstring for the rule)."""
    directory = store_dir(data_dir, split.task, split.manifest["config_key"])
    path = directory / f"{split.split_id}.npz"
    if any(e["split_id"] == split.split_id for e in admitted(directory)):
        return path
    if not path.exists():
        with contextlib.suppress(SplitError):  # written meanwhile by a concurrent builder
            write_split(split, path)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _admit(directory, {"split_id": split.split_id, "how": how, "utc": stamp, **notes})
    return path


def import_split(source: Path, data_dir: Path) -> tuple[Split, list[Deviation]]:
    """Verify a split file and admit it into the store.

    When a split of the same generator config is admitted already, the new one must reproduce
    it within the spec's tolerances, or it is refused naming the array; nothing is overwritten.
    """
    split = read_split(source)
    spec = get_task(split.task)
    current = stored_split(data_dir, split.task, split.manifest["config_key"])
    rows: list[Deviation] = []
    if current is not None and current.split_id != split.split_id:
        rows = compare(spec, current, split)
        bad = [row for row in rows if not row.ok]
        if bad:
            raise SplitError(
                f"{source} does not reproduce the admitted split {current.split_id[:12]} of "
                f"{split.task} within tolerances: array {bad[0].part}/{bad[0].name} "
                f"({bad[0].reason}; max rel dev {bad[0].max_rel:.3g}); nothing was imported"
            )
    verified = current.split_id if current is not None else None
    store(split, data_dir, "imported", source=Path(source).name, verified_against=verified)
    return split, rows


def canonical_split(
    task: str,
    generator: Mapping[str, Any],
    build: Callable[[Path | None], Mapping[str, np.ndarray]],
    data_dir: Path | None,
) -> Split:
    """The test split of ``generator``: the admitted one from the store, or built and admitted.

    ``build(parts_dir)`` gets a scratch directory for resumable per-system work (see
    :mod:`baselines.parallel`), removed once the split is stored. With ``data_dir=None`` nothing is
    read or written.
    """
    spec = get_task(task)
    if data_dir is None:
        return make_split(spec, generator, build(None))
    key = config_key(json.loads(json.dumps(dict(generator))))
    directory = store_dir(data_dir, task, key)
    try:
        found = stored_split(data_dir, task, key)
    except SplitError as error:
        _quarantine(directory, error)
        found = None
    if found is not None:
        return found
    parts_dir = directory / "parts"
    split = make_split(spec, generator, build(parts_dir))
    path = store(split, data_dir, "built", **build_notes())
    if parts_dir.is_dir():
        shutil.rmtree(parts_dir)
    return replace(split, path=path)


def _quarantine(directory: Path, error: Exception) -> None:
    """Move a store directory whose admitted split is damaged aside (``*.corrupt``)."""
    target = directory.with_name(directory.name + ".corrupt")
    while target.exists():
        target = target.with_name(target.name + "_")
    directory.replace(target)
    log.warning("stored split in %s is damaged (%s); moved to %s, rebuilding", directory, error,
                target)  # fmt: skip


def build_notes() -> dict[str, Any]:
    """How a split was built here (workers, BLAS threads): kept in ``admitted.json``."""
    from threadpoolctl import threadpool_info

    from baselines.parallel import default_workers

    threads = max((pool.get("num_threads", 1) for pool in threadpool_info()), default=1)
    return {"workers": default_workers(), "threads": threads}
