"""What the task reports share when they time methods or reuse trained models.

- :func:`limited_threads`: run with a given number of torch and BLAS/OpenMP threads;
- :func:`best_time`: the shortest wall time of repeated calls;
- :func:`trained_model`: a model rebuilt from a run directory (``result.json`` config and
  ``checkpoints/last.ckpt``), refused in one line unless it is the expected task, model class
  and physics.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import torch
from hydra.utils import instantiate
from threadpoolctl import threadpool_info, threadpool_limits

from leaderboard.record import RecordError, load_record

T = TypeVar("T")
CHECKPOINT = Path("checkpoints") / "last.ckpt"


@contextlib.contextmanager
def limited_threads(count: int | None) -> Iterator[dict[str, int]]:
    """Run with ``count`` torch and BLAS/OpenMP threads (None: torch's current count).

    Yields the counts in force (``torch``, ``blas``); torch's count is restored on exit.
    """
    before = torch.get_num_threads()
    count = int(count or before)
    torch.set_num_threads(count)
    try:
        with threadpool_limits(count):
            blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
            yield {"torch": torch.get_num_threads(), "blas": max(blas, default=0)}
    finally:
        torch.set_num_threads(before)


def best_time(
    run: Callable[[], T], repeats: int, repeat_below: float = math.inf, warm_up: bool = False
) -> tuple[float, T]:
    """Shortest wall time (s) of calls of ``run`` and the last result.

    Up to ``repeats`` calls, repeated only while the calls so far took less than
    ``repeat_below`` seconds in all (so only cheap methods are repeated); ``warm_up`` makes one
    untimed call first.
    """
    if warm_up:
        run()
    best, spent, calls, result = math.inf, 0.0, 0, None
    while calls == 0 or (calls < repeats and spent < repeat_below):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best, spent, calls = min(best, elapsed), spent + elapsed, calls + 1
    return best, result


def trained_model(
    run_dir: Path,
    task: str,
    model_class: type[torch.nn.Module],
    same_physics: Callable[[Mapping[str, Any]], bool],
    what_to_pass: str,
) -> torch.nn.Module:
    """The model of a run of ``task`` (class ``model_class``), in eval mode.

    Raises SystemExit with one line ending in ``what_to_pass`` when ``run_dir`` has no record
    or checkpoint, is a run of another task or model, was trained on physics for which
    ``same_physics(run's task.physics)`` is false, or its weights do not fit its config.
    """
    target = f"{model_class.__module__}.{model_class.__qualname__}"
    try:
        record = load_record(run_dir, check_predictions=False)
    except RecordError as error:
        raise SystemExit(f"{run_dir}: {str(error).splitlines()[0]}; {what_to_pass}") from None
    model_node = dict(record.config.get("model") or {})
    if record.task != task or model_node.get("_target_") != target:
        raise SystemExit(
            f"{run_dir} is a {record.task}/{record.method} run, not a {task} run of "
            f"{model_class.__name__}; {what_to_pass}"
        )
    trained_on = (record.config.get("task") or {}).get("physics") or {}
    if not same_physics(trained_on):
        raise SystemExit(
            f"{run_dir} was trained with task.physics={trained_on}, which does not match this "
            f"report's; {what_to_pass}"
        )
    checkpoint = run_dir / CHECKPOINT
    if not checkpoint.is_file():
        raise SystemExit(f"{run_dir} has no {CHECKPOINT}; {what_to_pass}")
    model_node.pop("name", None)
    model = instantiate(model_node, _convert_="all")
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(
            f"{checkpoint} does not fit the model of its config (missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}); {what_to_pass}"
        )
    return model.eval()
