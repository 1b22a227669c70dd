"""Resumable parallel map over independent systems, with a progress bar.

Data sets of many independent physical systems (one eigenproblem or one propagation each) are
built with :func:`map_systems`: items run in a process pool, each finished item is written at
once to ``parts_dir/<index>.npz``, and a rerun after an interruption loads the finished items
instead of recomputing them. ``concurrent.futures`` gives the pool and ``rich`` the bar; what no
library does is the per-item persistence, which is the reason this module exists.

On a cluster the same map runs as a submitit job array (``pip install -e ".[slurm]"``):
``EXACTBENCH_EXECUTOR=slurm`` (or ``local``, the same jobs as local processes) sends the
missing items in groups of ``EXACTBENCH_SYSTEMS_PER_JOB`` (default 16) to one array task each;
``EXACTBENCH_SUBMITIT_PARAMS`` takes submitit's parameters as JSON (e.g.
``{"slurm_partition": "cpu", "timeout_min": 120}``). ``parts_dir`` must then be on a file
system the nodes share. Each system is written once, as it finishes; a preempted or timed-out
task is requeued and skips the systems already written, and a rerun after a failed task
submits only the missing systems.

The module sits below ``tasks`` so that the baselines' solvers use it too.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Result = dict[str, np.ndarray]
log = logging.getLogger(__name__)
EXECUTOR_ENV = "EXACTBENCH_EXECUTOR"
PER_JOB_ENV = "EXACTBENCH_SYSTEMS_PER_JOB"
PARAMS_ENV = "EXACTBENCH_SUBMITIT_PARAMS"


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


class SystemsJob:
    """One array task: compute and write every ``(index, item)`` whose part is not yet written.

    ``checkpoint`` is submitit's requeue hook: a preempted task resubmits itself unchanged and,
    on restart, skips the systems written before.
    """

    def __call__(
        self, function: Callable[[Any], Result], parts_dir: Path, chunk: Sequence[tuple[int, Any]]
    ) -> int:
        """Write the missing parts of ``chunk``; returns how many were computed."""
        computed = 0
        for index, item in chunk:
            path = parts_dir / f"{index}.npz"
            if path.is_file() and _load_part(path) is not None:
                continue
            _save_part(path, function(item))
            computed += 1
        return computed

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        import submitit

        return submitit.helpers.DelayedSubmission(self, *args, **kwargs)


def _run_job_array(
    function: Callable[[Any], Result],
    chunks: list[list[tuple[int, Any]]],
    parts_dir: Path,
    cluster: str,
    advance: Callable[[int], None],
) -> None:
    """Run ``chunks`` as one submitit job array; raise after all ended if any task failed."""
    try:
        import submitit
    except ModuleNotFoundError:
        raise SystemExit(
            f'{EXECUTOR_ENV}={cluster} needs submitit: pip install -e ".[slurm]"'
        ) from None
    folder = parts_dir / ".submitit" / "%j"
    executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
    executor.update_parameters(
        name=f"data-{parts_dir.name}", timeout_min=60, cpus_per_task=1,
        **json.loads(os.environ.get(PARAMS_ENV, "{}")),
    )  # fmt: skip
    count = len(chunks)
    jobs = executor.map_array(SystemsJob(), [function] * count, [parts_dir] * count, chunks)
    size = {job.job_id: len(chunk) for job, chunk in zip(jobs, chunks, strict=True)}
    failed = []
    for job in submitit.helpers.as_completed(jobs):
        try:
            job.result()
        except Exception as error:  # reported once all tasks ended
            reason = [line.strip() for line in str(error).splitlines() if "Error" in line]
            failed.append(f"task {job.job_id}: {reason[-1] if reason else type(error).__name__}")
        advance(size[job.job_id])
    if failed:
        raise RuntimeError(
            f"{len(failed)} of {count} array tasks failed ({failed[0]}); logs in "
            f"{folder.parent}. Run again: only the missing systems are submitted."
        )


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
    directory is removed by :func:`tasks.cache.cached_arrays` once the data set is stored. With
    ``EXACTBENCH_EXECUTOR`` set and a ``parts_dir``, the items run as a job array (see above).
    """
    workers = workers or default_workers()
    cluster = os.environ.get(EXECUTOR_ENV)
    if cluster and parts_dir is None:
        log.warning("%s=%s ignored: no parts directory to share", EXECUTOR_ENV, cluster)
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

        if cluster and parts_dir is not None and todo:
            size = int(os.environ.get(PER_JOB_ENV, "16"))
            chunks = [
                [(i, items[i]) for i in todo[k : k + size]] for k in range(0, len(todo), size)
            ]
            _run_job_array(function, chunks, parts_dir, cluster, lambda n: progress.advance(bar, n))
            for index in todo:
                results[index] = _load_part(parts_dir / f"{index}.npz")
        elif workers == 1 or len(todo) <= 1:
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
