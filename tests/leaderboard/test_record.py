"""The run record: sealed by a content hash; edits, swapped predictions and junk are rejected."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leaderboard.record import RecordError, load_predictions, load_record, write_record


def _fields(**overrides):
    fields = {
        "task": "qho",
        "method": "qho_pinn",
        "kind": "model",
        "experiment": "qho_base",
        "split": "test",
        "seed": 0,
        "metrics": {"density_mse": 1.5e-6},
        "timings": {"train": 12.0, "inference_per_sample": 0.1},
        "config": {"model": {"width": 48}},
        "split_id": "ab" * 32,
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


def test_schema_1_record_still_loads(tmp_path):
    """A record written before split ids (schema 1, ``data_checksum``) loads and verifies."""
    fields = _fields(schema_version=1, method="pinn", data_checksum="sha256:abc", split_id=None)
    record = write_record(tmp_path, fields, {"u": np.zeros(1)})
    assert "split_id" not in json.loads((tmp_path / "result.json").read_text())
    loaded = load_record(tmp_path)
    assert loaded.schema_version == 1 and loaded.content_hash == record.content_hash
    assert loaded.data_checksum == "sha256:abc" and loaded.split_id is None


def test_record_must_carry_the_field_of_its_schema(tmp_path):
    with pytest.raises(RecordError, match="split_id"):
        write_record(tmp_path, _fields(split_id=None), {"u": np.zeros(1)})


def test_oversized_or_foreign_predictions_are_refused(run_dir, monkeypatch):
    monkeypatch.setenv("EXACTBENCH_MAX_PREDICTIONS_BYTES", "10")
    with pytest.raises(RecordError, match="over the limit"):
        load_predictions(run_dir)
    monkeypatch.delenv("EXACTBENCH_MAX_PREDICTIONS_BYTES")
    import zipfile

    with zipfile.ZipFile(run_dir / "predictions.npz", "a") as archive:
        archive.writestr("payload.pkl", b"not an array")
    with pytest.raises(RecordError, match=r"not a plain top-level NAME\.npy"):
        load_predictions(run_dir)
