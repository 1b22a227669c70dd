"""The run record: sealed by a content hash; edits, swapped predictions and junk are rejected."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leaderboard.record import RecordError, load_predictions, load_record, write_record


def _fields(**overrides):
    fields = {
        "task": "qho",
        "method": "pinn",
        "kind": "model",
        "experiment": "qho_base",
        "split": "test",
        "seed": 0,
        "metrics": {"density_mse": 1.5e-6},
        "timings": {"train": 12.0, "inference_per_sample": 0.1},
        "config": {"model": {"width": 48}},
        "data_checksum": "sha256:abc",
        "git": {"commit": "deadbeef", "dirty": False},
        "packages": {"numpy": "2.0"},
        "hardware": {"cpu_count": 2},
        "wandb": None,
        "created_utc": "2026-01-01T00:00:00+00:00",
    }
    return fields | overrides


@pytest.fixture
def run_dir(tmp_path):
    write_record(tmp_path, _fields(), {"u": np.arange(6.0).reshape(2, 3)})
    return tmp_path


def test_round_trip(run_dir):
    record = load_record(run_dir)
    assert record.metrics["density_mse"] == 1.5e-6
    assert record.content_hash == record.compute_hash()
    np.testing.assert_array_equal(load_predictions(run_dir)["u"], np.arange(6.0).reshape(2, 3))


def test_edited_metric_is_rejected(run_dir):
    path = run_dir / "result.json"
    raw = json.loads(path.read_text())
    raw["metrics"]["density_mse"] = 1e-12
    path.write_text(json.dumps(raw))
    with pytest.raises(RecordError, match="modified"):
        load_record(run_dir)


def test_swapped_predictions_are_rejected(run_dir):
    np.savez(run_dir / "predictions.npz", u=np.zeros((2, 3)))
    with pytest.raises(RecordError, match="differs"):
        load_record(run_dir)


def test_missing_field_and_bad_json_are_explained(run_dir):
    path = run_dir / "result.json"
    raw = json.loads(path.read_text())
    del raw["seed"]
    path.write_text(json.dumps(raw))
    with pytest.raises(RecordError, match="schema"):
        load_record(run_dir)
    path.write_text("{not json")
    with pytest.raises(RecordError, match="not valid JSON"):
        load_record(run_dir)


def test_missing_record_says_what_to_do(tmp_path):
    with pytest.raises(RecordError, match="run directory"):
        load_record(tmp_path)


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(RecordError, match="kind"):
        write_record(tmp_path, _fields(kind="guess"), {"u": np.zeros(1)})
