"""The cost–accuracy frontier report: its Pareto front, and the whole report at smoke size."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from omegaconf import OmegaConf

from bench.config import compose_run
from bench.report import run_report
from bench.train import run_training
from tasks.tddft.frontier import pareto_front, trained_fno

SCHEMES = ["crank_nicolson", "exp_mid", "etrs", "aetrs"]


def test_pareto_front_of_a_hand_made_set():
    cost = np.array([1.0, 2.0, 3.0, 4.0, 2.0, 5.0, 3.0, 1.0, np.nan, 0.5])
    error = np.array([5.0, 3.0, 4.0, 1.0, 3.0, 0.5, 2.0, 6.0, 0.1, np.inf])
    # 4 duplicates 1, 7 costs as much as 0 with more error, 2 is beaten by 6; 8 and 9 are
    # not finite
    np.testing.assert_array_equal(pareto_front(cost, error), [0, 1, 6, 3, 5])


def test_pareto_front_agrees_with_pairwise_dominance():
    rng = np.random.default_rng(0)
    cost, error = rng.random(60), rng.random(60)
    beaten = [
        any(cost[j] <= cost[i] and error[j] <= error[i] and j != i for j in range(60))
        for i in range(60)
    ]
    expected = sorted(np.flatnonzero(~np.array(beaten)), key=lambda i: cost[i])
    np.testing.assert_array_equal(pareto_front(cost, error), expected)


def train_fno(run_dir):
    """Train a tddft_fno for 2 steps at smoke size into ``run_dir`` (with last.ckpt)."""
    overrides = ["experiment=tddft_fno", "debug=smoke", "trainer.fast_dev_run=false"]
    run_training(compose_run([*overrides, "model.optim.total_steps=2"], run_dir), run_dir)
    return run_dir


def test_report_at_smoke_size_writes_every_row(tmp_path, monkeypatch, capsys):
    """``exactbench report experiment=tddft_fno debug=smoke`` with a trained FNO run: every
    configured row with finite positive costs, and a finer step of each scheme errs less; FNO
    runs of another grid, or no run at all, are refused."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    fno_run = train_fno(tmp_path / "fno")
    report = [
        "experiment=tddft_fno", "debug=smoke", f"task.report.schemes=[{','.join(SCHEMES)}]",
        "task.report.dt=[0.2,0.1]", "task.report.nx=[31,61]", "task.report.n_systems=2",
        "task.report.repeats=1", f"task.report.fno_runs=['{fno_run}']",
    ]  # fmt: skip
    run_dir = tmp_path / "report"
    cfg = compose_run(report, run_dir)
    paths = run_report(cfg, run_dir)
    assert [p.name for p in paths] == ["frontier.csv", "frontier.png"]
    with open(paths[0]) as handle:
        rows = list(csv.DictReader(handle))
    assert [row["method"] for row in rows] == ["reference"] + ["propagator"] * 16 + ["fno"]
    assert rows[-1]["scheme"] == "T_in=20"
    settings = {(r["scheme"], float(r["dt"]), int(r["nx"])) for r in rows[1:-1]}
    assert settings == {(s, dt, nx) for s in SCHEMES for dt in (0.2, 0.1) for nx in (31, 61)}
    for row in rows:
        costs = [float(row[key]) for key in row if key.startswith("seconds_per_frame")]
        assert all(np.isfinite(cost) and cost > 0 for cost in costs)
        assert np.isfinite(float(row["density_mae"]))
    assert float(rows[0]["density_mae"]) == 0.0  # the reference setting regenerates the split
    mae = {(r["scheme"], float(r["dt"]), int(r["nx"])): float(r["density_mae"]) for r in rows}
    for scheme in SCHEMES:  # second order in dt: halving the step cuts the error about 4 times
        assert mae[scheme, 0.1, 61] < 0.5 * mae[scheme, 0.2, 61]
    assert "FNO T_in=20 (MAE" in capsys.readouterr().out

    physics = OmegaConf.to_container(cfg.task.physics, resolve=True)
    with pytest.raises(SystemExit, match=r"not found.*pass task\.report\.fno_runs="):
        trained_fno(tmp_path / "nowhere", physics)
    with pytest.raises(
        SystemExit, match=r"was trained with task.physics=.*'nx': 61.*does not match"
    ):
        trained_fno(fno_run, {**physics, "nx": 121})
