"""The resumable parallel map: results in order, finished items reused after an interruption,
and the same map as a submitit job array."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from baselines.parallel import map_systems, stack_results


def square(x: float) -> dict[str, np.ndarray]:
    return {"y": np.array([x * x])}


def fail_on_three(x: float) -> dict[str, np.ndarray]:
    if x == 3:
        raise RuntimeError("interrupted")
    return square(x)


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_item_order(workers):
    results = map_systems(square, [3.0, 1.0, 2.0], description="sq", workers=workers)
    assert stack_results(results)["y"][:, 0].tolist() == [9.0, 1.0, 4.0]


def test_an_interrupted_map_resumes_from_its_parts(tmp_path):
    parts = tmp_path / "parts"
    with pytest.raises(RuntimeError, match="interrupted"):
        map_systems(fail_on_three, [1, 2, 3], description="sq", parts_dir=parts, workers=1)
    assert sorted(p.name for p in parts.iterdir()) == ["0.npz", "1.npz"]
    (parts / "1.npz").write_bytes(b"cut short")  # a part torn by the interruption is recomputed
    results = map_systems(square, [1, 2, 3], description="sq", parts_dir=parts, workers=1)
    assert stack_results(results)["y"][:, 0].tolist() == [1, 4, 9]


def fail_on_four_once(x: int) -> dict[str, np.ndarray]:
    """Fails for item 4 until the marker file next to the parts exists (a job that died)."""
    marker = Path(os.environ["PARALLEL_TEST_MARKER"])
    if x == 4 and not marker.exists():
        marker.touch()
        raise RuntimeError("node lost")
    return square(x)


def test_job_array_on_the_local_executor_resumes_only_missing_systems(tmp_path, monkeypatch):
    """Seven systems, three per array task: a failed task leaves its others' parts; the rerun
    submits one task for the missing systems only."""
    cloudpickle = pytest.importorskip("cloudpickle")
    pytest.importorskip("submitit")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    monkeypatch.setenv("EXACTBENCH_EXECUTOR", "local")
    monkeypatch.setenv("EXACTBENCH_SYSTEMS_PER_JOB", "3")
    monkeypatch.setenv("PARALLEL_TEST_MARKER", str(tmp_path / "failed-once"))
    parts, items = tmp_path / "parts", list(range(7))
    with pytest.raises(RuntimeError, match=r"1 of 3 array tasks failed.*node lost"):
        map_systems(fail_on_four_once, items, description="sq", parts_dir=parts)
    written = {p.name: p.stat().st_mtime_ns for p in parts.glob("*.npz")}
    assert sorted(written) == ["0.npz", "1.npz", "2.npz", "3.npz", "6.npz"]  # the task of 3-5 died
    results = map_systems(fail_on_four_once, items, description="sq", parts_dir=parts)
    assert stack_results(results)["y"][:, 0].tolist() == [x * x for x in items]
    assert all(parts.joinpath(name).stat().st_mtime_ns == t for name, t in written.items())
    assert len(list((parts / ".submitit").glob("*/*_submitted.pkl"))) == 3 + 1  # rerun: 1 task
