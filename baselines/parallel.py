"""Resumable parallel map over independent systems, with a progress bar.

Data sets of many independent physical systems (one eigenproblem or one propagation each) are
built with :func:`map_systems`: items run in a process pool, each finished item is written at
once to ``parts_dir/<index>.npz``, and a rerun after an interruption loads the finished items
instead of recomputing them. ``concurrent.futures`` gives the pool and ``rich`` the bar; what no
library does is the per-item persistence, which is the reason this module exists.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Result = dict[str, np.ndarray]


def default_workers() -> int:
    """Worker processes for data generation: ``EXACTBENCH_WORKERS`` or all available cores."""
    if "EXACTBENCH_WORKERS" in os.environ:
        return max(1, int(os.environ["EXACTBENCH_WORKERS"]))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _load_part(path: Path) -> Result | None:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except Exception:  # a part cut short by the interruption: recompute it
        path.unlink(missing_ok=True)
        return None


def _save_part(path: Path, result: Result) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **result)
    tmp.replace(path)


def _single_threaded(function: Callable[[Any], Result], item: Any) -> Result:
    """Run one item with BLAS/OpenMP pinned to one thread (the pool already uses every core)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return function(item)


def map_systems(
    function: Callable[[Any], Result],
    items: Sequence[Any],
    *,
    description: str,
    parts_dir: Path | None = None,
    workers: int | None = None,
) -> list[Result]:
    """``[function(item) for item in items]`` over a process pool, resumable via ``parts_dir``.

    ``function`` must be a picklable top-level function returning a dict of arrays. With
    ``parts_dir`` every result is stored as it finishes and reused on the next call; the
    directory is removed by :func:`tasks.cache.cached_arrays` once the data set is stored.
    """
    workers = workers or default_workers()
    results: list[Result | None] = [None] * len(items)
    if parts_dir is not None:
        parts_dir.mkdir(parents=True, exist_ok=True)
        for index in range(len(items)):
            path = parts_dir / f"{index}.npz"
            if path.is_file():
                results[index] = _load_part(path)
    todo = [index for index, result in enumerate(results) if result is None]
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        bar = progress.add_task(description, total=len(items), completed=len(items) - len(todo))

        def finish(index: int, result: Result) -> None:
            results[index] = result
            if parts_dir is not None:
                _save_part(parts_dir / f"{index}.npz", result)
            progress.advance(bar)

        if workers == 1 or len(todo) <= 1:
            for index in todo:
                finish(index, function(items[index]))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {
                    pool.submit(_single_threaded, function, items[index]): index for index in todo
                }
                for future in as_completed(futures):
                    finish(futures[future], future.result())
    return [result for result in results if result is not None]


def stack_results(results: Sequence[Result]) -> Result:
    """Stack per-system results key by key into arrays with a leading system axis."""
    return {key: np.stack([result[key] for result in results]) for key in results[0]}


def map_parameters(
    function: Callable[[Any], Result],
    params: np.ndarray,
    physics: Mapping[str, Any],
    *,
    description: str,
    parts_dir: Path | None = None,
) -> Result:
    """``function((row, physics))`` for every parameter row, stacked along a system axis."""
    items = [(row, dict(physics)) for row in np.asarray(params, float)]
    results = map_systems(function, items, description=description, parts_dir=parts_dir)
    return stack_results(results)
