"""Canonical splits travel: a run made under one ``EXACTBENCH_ROOT`` is accepted by a board under
another after its split is exported and imported, also when the second root rebuilt the split
with other worker and thread counts and it verified within the declared tolerances."""

from __future__ import annotations

import pytest

from bench import data
from bench.baseline import run_baseline
from bench.config import compose_run
from bench.suite import load_suite
from leaderboard.configs import compose
from leaderboard.store import Board
from leaderboard.submit import SubmissionError, submit
from tasks.spec import get_task, task_names
from tasks.splits import deviation_table


def quick_experiments() -> dict[str, str]:
    """Each task's experiment in the quick suite."""
    found: dict[str, str] = {}
    for row in load_suite("quick"):
        experiment = next(a.split("=", 1)[1] for a in row if a.startswith("experiment="))
        found.setdefault(compose([f"experiment={experiment}"]).task.name, experiment)
    return found


QUICK = quick_experiments()


def test_every_task_has_a_quick_experiment():
    assert sorted(QUICK) == task_names()


@pytest.mark.parametrize("task", sorted(QUICK))
def test_run_from_one_root_is_accepted_by_a_board_under_another(task, tmp_path, monkeypatch):
    spec = get_task(task)
    overrides = [f"experiment={QUICK[task]}", "logger=none", "plots=false"]  # the official split
    baseline = f"baseline={(*spec.exact_methods, spec.default_baseline)[0]}"
    monkeypatch.setenv("EXACTBENCH_ROOT", str(tmp_path / "a"))
    run_dir = tmp_path / "a" / "run"
    record = run_baseline(compose_run([*overrides, baseline], run_dir), run_dir)
    shared = data.export(compose(overrides), tmp_path / "shared")

    monkeypatch.setenv("EXACTBENCH_ROOT", str(tmp_path / "b"))
    (tmp_path / "b").mkdir()
    board = Board(f"sqlite:///{tmp_path / 'b' / 'board.db'}")
    rebuilt = data.build(compose(overrides), workers=1, threads=1)
    _, rows = data.verify(compose(overrides), workers=2, threads=2)
    print(f"\n{task}: rebuilt with 1 worker / 1 thread, then 2 / 2\n{deviation_table(rows)}")
    assert all(row.ok for row in rows), deviation_table(rows)
    if rebuilt.split_id != record.split_id:  # not bitwise identical: the file must be imported
        with pytest.raises(SubmissionError, match="has not admitted"):
            submit(run_dir, board, "remote")
    split, rows = data.import_split(shared, tmp_path / "b" / "data")
    assert split.split_id == record.split_id and all(row.ok for row in rows)
    submit(run_dir, board, "remote")
    assert [entry["split_id"] for entry in board.entries(task)] == [record.split_id]
