"""Aggregation of a multirun: grid points found from overrides, mean ± std over seeds."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from bench.aggregate import aggregate, cli, collect, swept_keys
from leaderboard.record import write_record


def _job(root, num, overrides, mse, step):
    job = root / str(num)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    fields = {
        "task": "qho", "method": "qho_pinn", "kind": "model", "experiment": "study",
        "split": "test",
        "seed": 0, "metrics": {"density_mse": mse}, "timings": {"train_step_mean": step},
        "config": {"task": {"name": "qho"}}, "split_id": "0" * 64,
        "git": {"commit": None, "dirty": None}, "packages": {}, "hardware": {}, "wandb": None,
        "created_utc": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip
    write_record(job, fields, {"u": np.zeros(1)})


@pytest.fixture
def study(tmp_path):
    values = {"10": [1e-2, 3e-2], "1000": [1e-4, 2e-4]}
    num = 0
    for n, mses in values.items():
        for seed, mse in enumerate(mses):
            overrides = ["experiment=qho_collocation", f"task.n={n}", f"seed={seed}"]
            _job(tmp_path, num, overrides, mse, step=float(n) * 1e-5)
            num += 1
    return tmp_path


def test_grid_points_and_statistics(study):
    jobs = collect(study)
    assert swept_keys(jobs) == ["task.n"]
    _, rows = aggregate(jobs, ["density_mse", "train_step_mean"])
    assert [row["task.n"] for row in rows] == ["10", "1000"]
    assert rows[0]["n_seeds"] == 2
    assert rows[0]["density_mse_mean"] == pytest.approx(2e-2)
    assert rows[0]["density_mse_std"] == pytest.approx(np.std([1e-2, 3e-2], ddof=1))
    assert rows[1]["train_step_mean_mean"] == pytest.approx(1e-2)


def test_a_study_run_in_parts_with_other_loggers_is_one_table(study):
    _job(study, 9, ["experiment=qho_collocation", "task.n=10", "seed=2", "logger=none",
                    "hydra.sweep.dir=elsewhere"], 5e-2, step=1e-4)  # fmt: skip
    jobs = collect(study)
    assert swept_keys(jobs) == ["task.n"]
    _, rows = aggregate(jobs, ["density_mse"])
    assert [row["n_seeds"] for row in rows] == [3, 2]
    assert rows[0]["density_mse_mean"] == pytest.approx(3e-2)


def test_cli_writes_table_csv_and_plot(study, capsys):
    cli([str(study)])
    assert "| task.n | seeds | density_mse |" in capsys.readouterr().out
    for name in ("aggregate.md", "aggregate.csv", "aggregate.png"):
        assert (study / name).is_file()


def test_empty_directory_is_explained(tmp_path):
    with pytest.raises(SystemExit, match=r"no result\.json"):
        cli([str(tmp_path)])
