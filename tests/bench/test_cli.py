"""The ``exactbench`` command as a user runs it: subprocesses, W&B offline, no network."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from bench.ablate import subcommand
from bench.suite import load_suite
from leaderboard.configs import CONF_DIR, compose
from leaderboard.record import load_record


def exactbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"EXACTBENCH_ROOT": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_train_with_offline_wandb_writes_record(tmp_path, quick_qho):
    run_dir = tmp_path / "run"
    result = exactbench(
        "train", "experiment=qho_base", *quick_qho, f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    record = load_record(run_dir)
    assert record.wandb is not None and record.wandb.mode == "offline"
    assert Path(record.wandb.dir).is_dir() and record.wandb.run_id in record.wandb.dir
    assert record.timings["harness_overhead"] > 0
    # the logger's start-up thread restores warning filters: the ones set for Lightning's
    # routine warnings must outlive it
    from bench.train import LIGHTNING_NOISE

    printed = result.stdout + result.stderr
    assert not [p for p in LIGHTNING_NOISE if re.search(p.strip(".*"), printed)], printed[-3000:]


def test_baseline_command(tmp_path):
    run_dir = tmp_path / "run"
    args = ["experiment=qho_base", "baseline=qho_split_operator", "logger=none", "task.test.nt=9"]
    result = exactbench("baseline", *args, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert load_record(run_dir).metrics["density_mse"] < 1e-9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "unknown subcommand"),
        (["baseline", "logger=none"], "no baseline selected"),
        (["suite", "suite=nonexistent"], "no suite"),
        (["train", "task=nonexistent"], "nonexistent"),
    ],
)
def test_bad_input_is_explained(tmp_path, args, message):
    result = exactbench(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_help_lists_subcommands(tmp_path):
    result = exactbench("--help", cwd=tmp_path)
    assert result.returncode == 0 and "baseline" in result.stdout and "suite" in result.stdout


def test_no_arguments_lists_the_registry(tmp_path):
    result = exactbench(cwd=tmp_path)
    assert result.returncode == 0
    assert "cft_exact (exact)" in result.stdout and "tddft_super_resolution" in result.stdout


@pytest.mark.parametrize("name", ["suite", "ablate", "sweep", "leaderboard", "data", "aggregate"])
def test_subcommand_help_runs_nothing_and_imports_no_torch(name, tmp_path):
    code = (
        "import sys; from bench.cli import main\n"
        f"try:\n    main([{name!r}, '--help'])\nexcept SystemExit as e:\n    assert not e.code\n"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower() or "available" in result.stdout
    assert not list(tmp_path.iterdir())  # nothing run, nothing written


def test_collocation_ablation_runs_grid_and_aggregates(tmp_path):
    """The collocation-density study: one record per density, aggregated into a table."""
    args = ["ablation=qho_collocation", "ablation.seeds=[0]", "trainer.fast_dev_run=true"]
    result = exactbench("ablate", *args, "logger=none", "plots=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [load_record(p.parent) for p in tmp_path.glob("multirun/**/result.json")]
    sizes = sorted(r.config["task"]["datamodule"]["collocation"]["n"] for r in records)
    assert sizes == [1, 16, 128, 1024, 4096]
    table = next(tmp_path.glob("multirun/ablation_qho_collocation/*/aggregate.md")).read_text()
    assert table.count("\n") == 7  # header, rule, five grid points


def test_baseline_study_runs_an_engine_over_its_grid(tmp_path):
    """An ablation with ``command: baseline``: the rational fit over two cft regimes."""
    args = [
        "ablation=cft_engines", "ablation.overrides=[baseline=cft_rational]", "ablation.seeds=[0]",
        "ablation.grid={task.n_theories: [20], task.primary_fraction: [0.3, 0.5]}",
    ]  # fmt: skip
    result = exactbench("ablate", *args, "logger=none", "plots=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [load_record(p.parent) for p in tmp_path.glob("multirun/**/result.json")]
    assert sorted(r.config["task"]["primary_fraction"] for r in records) == [0.3, 0.5]
    assert all(r.kind == "baseline" and r.method == "cft_rational" for r in records)
    table = next(tmp_path.glob("multirun/ablation_cft_engines/*/aggregate.md")).read_text()
    assert table.count("\n") == 4  # header, rule, two grid points


def test_suite_runs_jobs_and_summarises(tmp_path, quick_qho):
    """A suite file of one's own: the qho rows of the quick suite, shrunk by overrides."""
    qho_rows = [row for row in load_suite("quick") if "experiment=qho_base" in row]
    suite_file = tmp_path / "qho_suite.yaml"
    OmegaConf.save(OmegaConf.create({"runs": qho_rows}), suite_file)
    official_split = [o for o in quick_qho if not o.startswith("task.")]  # else not admitted
    args = [f"suite={suite_file}", "logger=none", *official_split]
    result = exactbench("suite", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = next(tmp_path.glob("outputs/suite/qho_suite/*/summary.md")).read_text()
    assert summary.count("| qho | qho_base |") == 3
    assert "split_operator" in summary and "FAILED" not in summary
    assert result.stdout.count(" ✓ qho qho_base ") == 3 and "3/3 jobs finished" in result.stdout
    assert "| qho / qho_base | density_mse ↓ | ref | qho_exact | reference |" in result.stdout
    assert len(result.stdout.splitlines()) <= 20 and "wandb" not in result.stdout + result.stderr
    assert (tmp_path / "leaderboard" / "data" / "site" / "index.html").is_file()
    shown = exactbench("leaderboard", "show", "--task", "qho", cwd=tmp_path)
    assert shown.returncode == 0 and "| 1 | qho_split_operator | baseline |" in shown.stdout
    assert "| ref | qho_exact | reference |" in shown.stdout
    again = exactbench("leaderboard", "submit", *_suite_run_dirs(tmp_path), cwd=tmp_path)
    assert again.returncode == 1 and again.stdout.count("already on the board") == 3


def _suite_run_dirs(root: Path) -> list[str]:
    return sorted(str(p.parent) for p in root.glob("outputs/suite/qho_suite/*/*/result.json"))


@pytest.mark.parametrize("suite", sorted(p.stem for p in (CONF_DIR / "suite").glob("*.yaml")))
def test_every_suite_row_composes(suite):
    """Each job of each shipped suite is a valid train or baseline configuration."""
    for row in load_suite(suite):
        cfg = compose(row[1:])
        assert cfg.task.name and (row[0] == "train" or "baseline" in cfg)


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF_DIR / "ablation").glob("*.yaml")))
def test_every_ablation_grid_corner_composes(name):
    """The first and last grid point of each shipped study are valid job configurations."""
    spec = OmegaConf.load(CONF_DIR / "ablation" / f"{name}.yaml")
    assert subcommand(spec) in ("train", "baseline") and spec.seeds and spec.quantities
    for pick in (0, -1):
        grid = [f"{key}={values[pick]}" for key, values in spec.grid.items()]
        cfg = compose([f"experiment={spec.experiment}", *spec.get("overrides", []), *grid])
        assert cfg.experiment_name == spec.experiment


def test_data_commands_build_verify_export_and_import(tmp_path):
    """A split built in one root verifies on rebuild, travels as a file, is admitted elsewhere."""
    smoke = ["experiment=qho_base", "debug=smoke"]
    (tmp_path / "a").mkdir()
    built = exactbench("data", "build", *smoke, cwd=tmp_path / "a")
    assert built.returncode == 0, built.stderr[-3000:]
    checked = exactbench("data", "verify", "--workers", "1", "--threads", "1", *smoke,
                         cwd=tmp_path / "a")  # fmt: skip
    assert checked.returncode == 0 and "| references | u |" in checked.stdout
    out = exactbench(
        "data", "export", "--out", str(tmp_path / "shared"), *smoke, cwd=tmp_path / "a"
    )
    assert out.returncode == 0, out.stderr[-3000:]
    (shared,) = (tmp_path / "shared").glob("qho-qho_base-*.npz")
    (tmp_path / "b").mkdir()
    missing = exactbench("data", "verify", *smoke, cwd=tmp_path / "b")
    assert missing.returncode != 0 and "exactbench data import" in missing.stderr
    imported = exactbench("data", "import", str(shared), cwd=tmp_path / "b")
    assert imported.returncode == 0 and "imported" in imported.stdout
    listed = exactbench("data", "list", cwd=tmp_path / "b")
    assert "qho" in listed.stdout and "imported" in listed.stdout


def test_leaderboard_show_refuses_an_undeclared_metric(tmp_path):
    result = exactbench("leaderboard", "show", "--task", "qho", "--metric", "speed", cwd=tmp_path)
    assert result.returncode != 0 and "its metrics:" in result.stderr


def test_showing_the_board_imports_no_torch(tmp_path):
    code = (
        "import os, sys; from bench.cli import main\n"
        "main(['leaderboard', 'show'])\n"
        "assert 'torch' not in sys.modules and 'lightning' not in sys.modules"
    )
    env = os.environ | {"EXACTBENCH_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the board is empty" in result.stdout


def test_a_report_of_a_stored_split_imports_no_torch(tmp_path):
    """Once a split is built, reading it back (here: mft's formula report) needs no torch."""
    smoke = ["experiment=mft_quick", "debug=smoke"]
    assert exactbench("data", "build", *smoke, cwd=tmp_path).returncode == 0
    code = (
        "import sys; from bench.cli import main\n"
        f"main(['report', *{smoke!r}, 'hydra.run.dir={tmp_path / 'report'}'])\n"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    env = os.environ | {"EXACTBENCH_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, check=False, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "report").is_dir()
