"""The timing report of the KS inversion methods (smoke size): files, physics, batching, weights."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from bench.records import seal
from bench.report import run_report
from leaderboard.configs import make_datamodule
from tasks.ks_inversion.timing import (
    predictor_inputs,
    time_fno,
    trained_fno,
    untrained_fno,
)
from tasks.measurement import limited_threads


@pytest.fixture(autouse=True)
def serial(monkeypatch):
    """Two tiny test systems: no process pool."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


def test_report_times_every_method_on_the_same_systems(composed):
    """6 test systems, one thread: batching pays off clearly even on a busy machine."""
    split = ["task.split.train=1", "task.split.val=1", "task.split.test=6"]
    report = ["task.report.idea_systems=1", "task.report.threads=1"]
    cfg, run_dir = composed(["experiment=ks_molecule_301", "debug=smoke", *split, *report])
    paths = run_report(cfg, run_dir)
    assert [p.name for p in paths] == ["ks_timing.csv", "ks_timing.json", "ks_timing.png"]
    assert all(p.is_file() for p in paths)
    with open(paths[0], newline="") as handle:
        rows = {(r["method"], r["mode"].split()[0]): r for r in csv.DictReader(handle)}
    assert set(rows) == {
        ("fno", "single"), ("fno", "batched"), ("fno", "predict_split"),
        ("ks_idea", "single"), ("ks_analytic", "single"),
    }  # fmt: skip
    seconds = {key: float(row["seconds_per_system"]) for key, row in rows.items()}
    assert all(math.isfinite(s) and s > 0 for s in seconds.values())
    assert float(rows["ks_analytic", "single"]["v_xc_mae"]) < 1e-6  # Ha: the exact inversion
    assert seconds["fno", "batched"] < seconds["fno", "single"]
    assert int(rows["ks_idea", "single"]["systems"]) == 1
    report = json.loads(paths[1].read_text())
    assert report["threads"] == {"torch": 1, "blas": 1} and report["systems"] == 6
    assert report["rows"][0]["v_xc_mae"] is None and "untrained" in report["fno_weights"]
    assert report["ratios"]["ks_idea / fno single (1 system per pass)"] == pytest.approx(
        seconds["ks_idea", "single"] / seconds["fno", "single"]
    )


def test_weights_of_a_run_are_loaded_and_checked(composed, tmp_path):
    cfg, run_dir = composed(["experiment=ks_molecule_301", "debug=smoke"])
    split = make_datamodule(cfg, cache_dir=None).test_split()
    fno = untrained_fno(OmegaConf.to_container(cfg.model, resolve=True))
    with limited_threads(1):  # tiny passes: threads would only contend on a busy machine
        expected = fno.predict_split(split.inputs)["v_xc"]
    (run_dir / "checkpoints").mkdir(parents=True)
    torch.save({"state_dict": fno.state_dict()}, run_dir / "checkpoints" / "last.ckpt")
    seal(cfg, run_dir, method="ks_fno", kind="model", split=split, predictions={"v_xc": expected},
         metrics={}, timings={}, wandb_info=None)  # fmt: skip
    physics = OmegaConf.to_container(cfg.task.physics, resolve=True)
    loaded = trained_fno(run_dir, physics)
    inputs, exact = predictor_inputs(split.scoring), split.references["v_xc"]
    with limited_threads(1):
        np.testing.assert_array_equal(loaded.predict_split(inputs)["v_xc"], expected)
        assert all(math.isfinite(row.v_xc_mae) for row in time_fno(loaded, inputs, exact, 1))
    for wrong_run, wrong_physics in (
        (tmp_path / "none", physics),
        (run_dir, {**physics, "nx": 301}),
    ):
        with pytest.raises(SystemExit, match=r"pass task\.report\.fno_run=") as stop:
            trained_fno(wrong_run, wrong_physics)
        assert "\n" not in str(stop.value)


def test_compiled_pass_predicts_what_the_eager_pass_does(composed):
    cfg, _ = composed(["experiment=ks_molecule_301", "debug=smoke"])
    split = make_datamodule(cfg, cache_dir=None).test_split()
    fno = untrained_fno(OmegaConf.to_container(cfg.model, resolve=True))
    inputs, exact = predictor_inputs(split.scoring), split.references["v_xc"]
    with limited_threads(1):
        rows = time_fno(fno, inputs, exact, 1, compile=True)
    batched, compiled = rows[1], rows[-1]
    assert len(rows) == 4 and compiled.mode.startswith("compiled, batched")
    assert "compiled once in" in compiled.note
    assert compiled.v_xc_mae == pytest.approx(batched.v_xc_mae, rel=1e-4)
    assert math.isfinite(compiled.seconds_per_system) and compiled.seconds_per_system > 0


def test_prediction_chunks_do_not_change_the_prediction(composed):
    """``predict_batch`` is a speed setting only: chunked and single-pass predictions agree."""
    cfg, _ = composed(["experiment=ks_molecule_301", "debug=smoke"])
    split = make_datamodule(cfg, cache_dir=None).test_split()
    fno = untrained_fno(OmegaConf.to_container(cfg.model, resolve=True))
    inputs = predictor_inputs(split.scoring)
    fno.predict_batch = len(inputs["density"])
    whole = fno.predict_split(inputs)["v_xc"]
    fno.predict_batch = 1
    chunked = fno.predict_split(inputs)["v_xc"]
    assert len(whole) > 1
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-6)
