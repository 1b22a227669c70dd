"""Submissions: re-scored against the board's canonical split; tables follow the task specs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.baseline import run_baseline
from bench.config import compose_run
from bench.leaderboard_cli import export
from leaderboard.configs import compose, make_datamodule
from leaderboard.record import load_predictions, load_record, write_record
from leaderboard.render import markdown, ranked_tables
from leaderboard.store import Board
from leaderboard.submit import SubmissionError, submit
from tasks.cache import arrays_checksum


@pytest.fixture
def board(tmp_path):
    return Board(f"sqlite:///{tmp_path / 'board.db'}")


@pytest.fixture
def baseline_run(tmp_path):
    def run(*overrides, name="run"):
        run_dir = tmp_path / name
        cfg = compose_run(
            ["experiment=qho_base", "logger=none", "plots=false", *overrides], run_dir
        )
        run_baseline(cfg, run_dir)
        return run_dir

    return run


def _reseal(run_dir, target, predictions=None, **changes):
    """A copy of a run with some fields changed, sealed anew (a well-formed record)."""
    record = load_record(run_dir).model_dump(exclude={"content_hash", "predictions_sha256"})
    return write_record(target, record | changes, predictions or load_predictions(run_dir))


def _table(tables, task, experiment):
    return next(t for t in tables if (t.task, t.experiment) == (task, experiment))


def test_baselines_are_ranked_and_exact_methods_shown_as_references(board, baseline_run, tmp_path):
    submit(baseline_run("baseline=qho_split_operator", name="so"), board, "alice")
    submit(baseline_run("baseline=qho_exact", name="exact"), board, "bob")
    table = _table(ranked_tables(board.entries("qho")), "qho", "qho_base")
    assert table.metric == "density_mse" and table.direction == "lower"
    assert [row[:3] for row in table.rows] == [
        ("1", "qho_split_operator", "baseline"),
        ("ref", "qho_exact", "reference"),
    ]
    assert "↓ lower is better" in markdown(ranked_tables(board.entries()))
    pages = export(board, tmp_path / "site")
    assert '<tr class="reference">' in (tmp_path / "site" / "task-qho-qho_base.html").read_text()
    assert {p.name for p in pages} >= {"index.html", "task-qho.html", "task-qho-qho_base.csv"}


def test_stored_metrics_are_the_rescored_ones(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=qho_split_operator")
    _reseal(run_dir, tmp_path / "boast", metrics={"density_mse": 0.0})
    submit(tmp_path / "boast", board, "mallory")
    stored = board.entries()[0]["metrics"]["density_mse"]
    assert stored == load_record(run_dir).metrics["density_mse"] > 0


def test_tampered_record_is_rejected(board, baseline_run):
    run_dir = baseline_run("baseline=qho_exact")
    raw = json.loads((run_dir / "result.json").read_text())
    raw["metrics"]["density_mse"] = -1.0
    (run_dir / "result.json").write_text(json.dumps(raw))
    with pytest.raises(SubmissionError, match="modified"):
        submit(run_dir, board, "eve")


def test_a_run_on_another_split_is_rejected_with_what_to_do(board, baseline_run):
    run_dir = baseline_run("baseline=qho_exact", "task.test.nt=11")
    with pytest.raises(SubmissionError, match=r"has not admitted.*exactbench data import"):
        submit(run_dir, board, "eve")


def test_wrong_shape_predictions_are_rejected(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=qho_exact")
    short = {key: value[:, :5] for key, value in load_predictions(run_dir).items()}
    _reseal(run_dir, tmp_path / "short", predictions=short)
    with pytest.raises(SubmissionError, match="shape"):
        submit(tmp_path / "short", board, "eve")


def test_unknown_task_is_rejected(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=qho_exact")
    _reseal(run_dir, tmp_path / "alien", task="alchemy")
    with pytest.raises(SubmissionError, match="unknown task"):
        submit(tmp_path / "alien", board, "eve")


def test_duplicate_submission_is_rejected(board, baseline_run):
    run_dir = baseline_run("baseline=qho_exact")
    submit(run_dir, board, "bob")
    with pytest.raises(SubmissionError, match="already on the board"):
        submit(run_dir, board, "bob")
    assert len(board.entries()) == 1


def test_schema_1_record_is_rescored_when_its_data_matches(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=qho_split_operator")
    split = make_datamodule(compose(["experiment=qho_base"])).test_split()
    old = {"schema_version": 1, "method": "split_operator", "split_id": None}
    _reseal(run_dir, tmp_path / "v1", **old, data_checksum=arrays_checksum(split.scoring))
    submit(tmp_path / "v1", board, "archive")
    entry = board.entries()[0]
    assert entry["method"] == "qho_split_operator" and entry["split_id"].startswith("schema-1:")
    _reseal(run_dir, tmp_path / "v1b", **old, seed=5, data_checksum="sha256:" + "0" * 64)
    with pytest.raises(SubmissionError, match="schema-1 record was made on data"):
        submit(tmp_path / "v1b", board, "archive")


def _entry(task, experiment, method, kind, metrics):
    return {
        "id": 0, "seed": 0, "task": task, "experiment": experiment, "method": method,
        "kind": kind, "author": "a",
        "metrics": metrics, "timings": {"train": 1.0, "inference_total": 0.1},
    }  # fmt: skip


def test_ranking_follows_each_metrics_direction():
    entries = [
        _entry("cft", "cft_c_wzw", "cft_eql", "model", {"exact": 0.0, "heldout_rmse": 1e-3}),
        _entry("cft", "cft_c_wzw", "cft_rational", "baseline", {"exact": 1.0, "heldout_rmse": 0}),
    ]
    table = _table(ranked_tables(entries), "cft", "cft_c_wzw")
    assert table.direction == "higher" and table.rows[0][1] == "cft_rational"
    assert ranked_tables(entries, metric="speed") == []  # no task here declares it


def test_quoted_rows_appear_only_under_their_own_metric():
    entries = [_entry("qho", "qho_3d", "qho_pinn", "model", {"density_mse": 1e-7, "u_mse": 1e-3})]
    by_density = _table(ranked_tables(entries), "qho", "qho_3d")
    assert by_density.rows[0][:2] == ("1", "qho_pinn")
    assert by_density.rows[-1][2] == "quoted" and by_density.rows[-1][4] == "1.810e-09"
    by_u = _table(ranked_tables(entries, metric="u_mse"), "qho", "qho_3d")
    assert [row[2] for row in by_u.rows] == ["model"]


def test_a_nan_where_the_task_scores_is_rejected_and_nowhere_else_matters(
    board, baseline_run, tmp_path
):
    """The rule: NaN may mark what a method does not predict, but a primary metric of NaN
    (a NaN where the task scores) cannot be ranked."""
    run_dir = baseline_run("baseline=qho_exact")
    predictions = load_predictions(run_dir)
    predictions["u"] = predictions["u"].copy()
    predictions["u"][0, 0, 0] = float("nan")
    _reseal(run_dir, tmp_path / "nan", predictions=predictions)
    with pytest.raises(SubmissionError, match="cannot be ranked"):
        submit(tmp_path / "nan", board, "eve")
    extra = load_predictions(run_dir) | {"unscored": np.array([np.nan, np.inf])}
    _reseal(run_dir, tmp_path / "extra", predictions=extra)
    submit(tmp_path / "extra", board, "eve")
