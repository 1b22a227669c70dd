"""Submissions: re-scored against the official split; every kind of bad input is rejected."""

from __future__ import annotations

import json

import pytest

from bench.baseline import run_baseline
from leaderboard.record import load_predictions, load_record, write_record
from leaderboard.render import html_page, markdown, ranked_tables
from leaderboard.store import Board
from leaderboard.submit import SubmissionError, submit


@pytest.fixture
def board(tmp_path):
    return Board(f"sqlite:///{tmp_path / 'board.db'}")


@pytest.fixture
def baseline_run(composed):
    def run(*overrides):
        cfg, run_dir = composed(["experiment=qho_base", "logger=none", "plots=false", *overrides])
        run_baseline(cfg, run_dir)
        return run_dir

    return run


def _reseal(run_dir, target, predictions=None, **changes):
    """A copy of a run with some fields changed, sealed anew (a well-formed record)."""
    record = load_record(run_dir).model_dump(exclude={"content_hash", "predictions_sha256"})
    return write_record(target, record | changes, predictions or load_predictions(run_dir))


def test_valid_submissions_are_rescored_and_ranked(board, baseline_run):
    split_operator = baseline_run("baseline=split_operator")
    submit(split_operator, board, "alice")
    exact = baseline_run("baseline=exact")
    submit(exact, board, "bob")
    rows = ranked_tables(board.entries("qho"))[("qho", "qho_base")]
    assert [row[1] for row in rows] == ["exact", "split_operator"]
    assert rows[0][0] == "1" and rows[0][5].startswith("0.000e+00")
    assert "split_operator" in markdown(ranked_tables(board.entries()))
    assert "<table>" in html_page(ranked_tables(board.entries()))


def test_stored_metrics_are_the_rescored_ones(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=split_operator")
    _reseal(run_dir, tmp_path / "boast", metrics={"density_mse": 0.0})
    submit(tmp_path / "boast", board, "mallory")
    stored = board.entries()[0]["metrics"]["density_mse"]
    assert stored == load_record(run_dir).metrics["density_mse"] > 0


def test_tampered_record_is_rejected(board, baseline_run):
    run_dir = baseline_run("baseline=exact")
    raw = json.loads((run_dir / "result.json").read_text())
    raw["metrics"]["density_mse"] = -1.0
    (run_dir / "result.json").write_text(json.dumps(raw))
    with pytest.raises(SubmissionError, match="modified"):
        submit(run_dir, board, "eve")


def test_wrong_data_checksum_is_rejected(board, baseline_run):
    run_dir = baseline_run("baseline=exact", "task.test.nt=11")
    with pytest.raises(SubmissionError, match="data checksum"):
        submit(run_dir, board, "eve")


def test_wrong_shape_predictions_are_rejected(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=exact")
    short = {key: value[:, :5] for key, value in load_predictions(run_dir).items()}
    _reseal(run_dir, tmp_path / "short", predictions=short)
    with pytest.raises(SubmissionError, match="shape"):
        submit(tmp_path / "short", board, "eve")


def test_unknown_task_is_rejected(board, baseline_run, tmp_path):
    run_dir = baseline_run("baseline=exact")
    _reseal(run_dir, tmp_path / "alien", task="alchemy")
    with pytest.raises(SubmissionError, match="unknown task"):
        submit(tmp_path / "alien", board, "eve")


def test_duplicate_submission_is_rejected(board, baseline_run):
    run_dir = baseline_run("baseline=exact")
    submit(run_dir, board, "bob")
    with pytest.raises(SubmissionError, match="already on the board"):
        submit(run_dir, board, "bob")
    assert len(board.entries()) == 1


def test_quoted_reference_rows_are_marked():
    entry = {
        "task": "qho", "experiment": "qho_3d", "method": "pinn", "kind": "model",
        "author": "a", "primary_metric": "density_mse", "metrics": {"density_mse": 1e-7},
        "timings": {"train": 1.0, "inference_total": 0.1},
    }  # fmt: skip
    rows = ranked_tables([entry])[("qho", "qho_3d")]
    assert rows[0][:2] == ("1", "pinn")
    assert rows[-1][0] == "—" and rows[-1][2] == "quoted" and rows[-1][5] == "1.810e-09"
