"""No predictor can read a reference: poisoning them leaves every model's and baseline's
predictions unchanged (every task in the registry, ``debug=smoke``)."""

from __future__ import annotations

import numpy as np
import pytest

import tasks.splits
from baselines.cft.pysr_engine import julia_executable
from bench.baseline import run_baseline
from bench.train import run_training
from tasks.spec import get_task, task_names

PREDICTORS = [
    (task, group, name)
    for task in task_names()
    for group, names in (("model", get_task(task).models), ("baseline", get_task(task).baselines))
    for name in names
    if not (name == "cft_pysr" and julia_executable() is None)  # stops at once without Julia
]


def poisoned(array: np.ndarray) -> np.ndarray:
    """NaN for floats; for other dtypes, values no real reference holds."""
    array = np.asarray(array)
    if array.dtype.kind in "fc":
        return np.full(array.shape, np.nan, array.dtype)
    if array.dtype.kind in "iu":
        return np.full(array.shape, np.iinfo(array.dtype).max, array.dtype)
    if array.dtype.kind == "b":
        return ~array
    return np.full(array.shape, "poison", array.dtype)


def test_poisoning_changes_every_reference_kind():
    for array in (np.ones(2), np.arange(2), np.array([True]), np.array(["c = 1"])):
        assert not np.array_equal(poisoned(array), array)


@pytest.mark.parametrize(("task", "group", "name"), PREDICTORS)
def test_poisoned_references_leave_predictions_unchanged(task, group, name, composed, monkeypatch):
    """Predictions are captured before scoring (the evaluator, not under test, reads the
    poisoned references). An array that differs is checked against a second clean run: if two
    clean runs differ there too, it is the predictor's own run-to-run noise, and it is left
    out; anything else fails. (The symbolic searches had such noise from sympy's cache, which
    the scoring now clears: a run's expressions no longer depend on what ran before it.)"""
    import bench.records

    captured = []
    monkeypatch.setattr(bench.records, "score", lambda _cfg, p, _split: captured.append(p) or {})
    run = run_training if group == "model" else run_baseline
    overrides = [f"task={task}", "debug=smoke", f"{group}={name}"]
    run(*composed(overrides))
    make = tasks.splits._split

    def with_poisoned_references(spec, manifest, parts, path):
        parts = dict(parts)
        parts["references"] = {k: poisoned(v) for k, v in parts["references"].items()}
        return make(spec, manifest, parts, path)

    with monkeypatch.context() as poisoning:
        poisoning.setattr(tasks.splits, "_split", with_poisoned_references)
        run(*composed(overrides))
    clean, again = captured
    assert set(again) == set(clean)
    keys = [key for key in clean if not key.endswith("seconds")]  # wall times are measurements
    differing = [key for key in keys if not _equal(again[key], clean[key])]
    if differing:
        run(*composed(overrides))
        noisy = {key for key in differing if not _equal(captured[2][key], clean[key])}
        assert noisy == set(differing), f"{name}: poisoned references changed {differing}"
        assert len(noisy) < len(keys), f"{name}: no array of its predictions is reproducible"


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        np.testing.assert_array_equal(a, b)
    except AssertionError:
        return False
    return True
