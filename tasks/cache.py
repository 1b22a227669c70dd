"""Deterministic data sets cached on disk, keyed by their generator config, with a checksum.

A data set is a dict of NumPy arrays built by a pure function of a (JSON-serialisable)
generator config. It is stored as ``<root>/<task>/<key>.npz`` where ``key`` hashes the config,
beside a ``.json`` sidecar holding the config and the content checksum. Every load verifies the
checksum; a corrupted file is moved aside (``*.corrupt``) and rebuilt, so nothing is lost and
no run silently trains or scores on damaged data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedArrays:
    """Arrays of a data set with their content checksum (``sha256:<hex>``)."""

    arrays: dict[str, np.ndarray]
    checksum: str
    path: Path | None


def config_key(config: Mapping[str, Any]) -> str:
    """Short stable hash of a generator config (order of keys does not matter)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def arrays_checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """Checksum over names, dtypes, shapes and bytes of the arrays, in sorted name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return "sha256:" + digest.hexdigest()


def cached_arrays(
    task: str,
    config: Mapping[str, Any],
    build: Callable[[Path | None], dict[str, np.ndarray]],
    root: Path | None,
) -> CachedArrays:
    """Load the data set of ``config`` from ``root``, or build, checksum and store it.

    ``build(parts_dir)`` receives a scratch directory ``<key>.parts`` for per-system results
    (see :mod:`baselines.parallel`), so an interrupted build resumes; it is removed once the data
    set is stored. With ``root=None`` nothing is read or written and ``parts_dir`` is ``None``.
    Processes that ask for the same data set at once (the ranks of a data-parallel training,
    sweep workers, suite lanes) take turns on a file lock: one builds, the others load.
    """
    if root is None:
        arrays = build(None)
        return CachedArrays(arrays, arrays_checksum(arrays), None)
    directory = Path(root) / task
    key = config_key(config)
    directory.mkdir(parents=True, exist_ok=True)
    with FileLock(directory / f"{key}.lock"):  # one builder; the others wait, then load
        return _load_or_build(directory, key, task, config, build)


def _load_or_build(
    directory: Path,
    key: str,
    task: str,
    config: Mapping[str, Any],
    build: Callable[[Path | None], dict[str, np.ndarray]],
) -> CachedArrays:
    data_path, meta_path = directory / f"{key}.npz", directory / f"{key}.json"
    if data_path.is_file() and meta_path.is_file():
        loaded = _load_verified(data_path, meta_path)
        if loaded is not None:
            return loaded
    parts_dir = directory / f"{key}.parts"
    arrays = build(parts_dir)
    checksum = arrays_checksum(arrays)
    tmp = data_path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(data_path)
    meta = {"task": task, "config": dict(config), "checksum": checksum}
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    if parts_dir.is_dir():
        shutil.rmtree(parts_dir)
    return CachedArrays(arrays, checksum, data_path)


def _load_verified(data_path: Path, meta_path: Path) -> CachedArrays | None:
    """The cached arrays if they match their recorded checksum; otherwise move them aside."""
    try:
        expected = json.loads(meta_path.read_text())["checksum"]
        with np.load(data_path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        actual = arrays_checksum(arrays)
    except Exception as error:  # unreadable file of any kind: treat as corrupt
        actual, expected = f"unreadable ({error})", "a valid archive"
    if actual == expected:
        return CachedArrays(arrays, actual, data_path)
    for path in (data_path, meta_path):
        if path.exists():
            path.replace(path.with_name(path.name + ".corrupt"))
    log.warning(
        "cached data %s is corrupt (checksum %s, expected %s); moved it to *.corrupt and "
        "regenerating it from its config",
        data_path,
        actual,
        expected,
    )
    return None
