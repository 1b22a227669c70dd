"""A new task added entirely from test code (``tests/heat_task``): no shared file is edited.

It registers its spec (with its own config directory), then trains, runs its baselines,
submits the three runs to a board and shows the ranked table, exactly as a built-in task.
"""

from __future__ import annotations

from bench.baseline import run_baseline
from bench.config import compose_run
from bench.leaderboard_cli import show
from bench.train import run_training
from leaderboard.store import Board
from leaderboard.submit import submit
from tasks.spec import task_names


def test_registered_task_trains_runs_baselines_submits_and_shows(heat, tmp_path):
    assert "heat" in task_names()
    runs = {}
    for name, command, overrides in (
        ("model", run_training, []),
        ("heat_fd", run_baseline, ["baseline=heat_fd"]),
        ("heat_exact", run_baseline, ["baseline=heat_exact"]),
    ):
        run_dir = tmp_path / name
        cfg = compose_run(["experiment=heat_quick", "logger=none", *overrides], run_dir)
        runs[name] = (command(cfg, run_dir), run_dir)
    model, fd, reference = (runs[name][0] for name in ("model", "heat_fd", "heat_exact"))
    assert (model.kind, fd.kind, reference.kind) == ("model", "baseline", "reference")
    assert reference.metrics["u_mse"] < 1e-28
    assert fd.metrics["u_mse"] < 1e-6  # Crank–Nicolson, h = π/64 (error ~h²), dt = 1e-3
    assert model.metrics["u_mse"] < 1e-4  # learned decay rates κk²
    board = Board(f"sqlite:///{tmp_path / 'board.db'}")
    for _, run_dir in runs.values():
        submit(run_dir, board, "tester")
    table = show(board, "heat", None)
    assert "heat / heat_quick: u_mse [1] (↓ lower is better)" in table
    ranked = [line.split("|")[1:4] for line in table.splitlines() if line.startswith("| ")]
    by_error = sorted((model, fd), key=lambda record: record.metrics["u_mse"])
    assert [r[1].strip() for r in ranked[1:]] == [*(r.method for r in by_error), "heat_exact"]
    assert ranked[-1][0].strip() == "ref"


def test_registered_task_composes_alone_and_smoke_runs(heat, tmp_path):
    cfg = compose_run(["task=heat", "debug=smoke"], tmp_path / "run")
    assert cfg.model.name == "heat_modes" and cfg.task.datamodule.nx == 17
    assert run_training(cfg, tmp_path / "run").metrics["u_mse"] >= 0
