"""Task specs and canonical split files: identity, hiding, verification, import, bad input."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from tasks.spec import Array, CodeRef, Metric, SpecError, TaskSpec, register, unregister
from tasks.splits import (
    SplitError,
    canonical_split,
    compare,
    import_split,
    make_split,
    read_split,
    stored_split,
    write_split,
)


def toy_spec(tmp_path, **changes) -> TaskSpec:
    fields = {
        "name": "toy",
        "description": "a toy task",
        "inputs": {"x": Array("grid", "bohr")},
        "references": {"y": Array("exact values", "Ha", rtol=1e-6, atol=0.0)},
        "provenance": {"seconds": Array("build time", "s")},
        "metrics": {"mae": Metric("mean absolute error", "Ha", "lower")},
        "primary_metric": "mae",
        "sample_key": "x",
        "models": ("toy_net",),
        "baselines": ("toy_exact",),
        "default_model": "toy_net",
        "default_baseline": "toy_exact",
        "evaluator": CodeRef("numpy:mean"),
        "datamodule": CodeRef("numpy:mean"),
        "conf_dir": tmp_path,
    }
    return TaskSpec(**(fields | changes))


@pytest.fixture
def toy(tmp_path):
    spec = toy_spec(tmp_path)
    register(spec)
    yield spec
    unregister("toy")


def arrays(scale=1.0, seconds=1.0):
    x = np.linspace(0.0, 1.0, 5)
    return {"x": x, "y": scale * np.sin(x), "seconds": np.array(seconds)}


def test_incomplete_specs_fail_with_the_task_name(tmp_path):
    with pytest.raises(SpecError, match=r"'toy'.*needs a direction"):
        toy_spec(tmp_path, metrics={"mae": Metric("m", "Ha", "smaller")})
    with pytest.raises(SpecError, match=r"'toy'.*'x' is listed in both inputs and references"):
        toy_spec(tmp_path, references={"x": Array("grid")})
    with pytest.raises(SpecError, match="primary metric"):
        toy_spec(tmp_path, primary_metric="rmse")


def test_inputs_hide_references_and_are_read_only(toy):
    split = make_split(toy, {"n": 5}, arrays())
    assert set(split.inputs) == {"x"}
    with pytest.raises(KeyError, match="references are hidden"):
        split.inputs["y"]
    with pytest.raises(ValueError, match="read-only"):
        split.inputs["x"][0] = 1.0
    assert set(split.scoring) == {"x", "y", "seconds"}


def test_split_id_ignores_provenance_but_not_content(toy):
    first = make_split(toy, {"n": 5}, arrays(seconds=1.0))
    assert make_split(toy, {"n": 5}, arrays(seconds=7.0)).split_id == first.split_id
    assert make_split(toy, {"n": 5}, arrays(scale=2.0)).split_id != first.split_id
    assert make_split(toy, {"n": 6}, arrays()).split_id != first.split_id


def test_undeclared_or_missing_arrays_are_refused(toy):
    with pytest.raises(SplitError, match="undeclared"):
        make_split(toy, {}, arrays() | {"z": np.zeros(2)})
    with pytest.raises(SplitError, match="missing"):
        make_split(toy, {}, {"x": np.zeros(2), "seconds": np.zeros(())})


def test_file_round_trip_and_tampering(toy, tmp_path):
    split = make_split(toy, {"n": 5}, arrays())
    path = write_split(split, tmp_path / "toy.npz")
    assert read_split(path).split_id == split.split_id
    with pytest.raises(SplitError, match="nothing was overwritten"):
        write_split(split, path)
    tampered = tmp_path / "tampered.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "references/y.npy":
                data = data[:-8] + np.float64(9.0).tobytes()
            target.writestr(info, data)
    with pytest.raises(SplitError, match="references/y does not match its checksum"):
        read_split(tampered)


def test_hostile_files_are_refused_before_reading(toy, tmp_path, monkeypatch):
    split = make_split(toy, {"n": 5}, arrays())
    path = write_split(split, tmp_path / "toy.npz")
    monkeypatch.setenv("EXACTBENCH_MAX_SPLIT_BYTES", "100")
    with pytest.raises(SplitError, match="over the limit"):
        read_split(path)
    monkeypatch.delenv("EXACTBENCH_MAX_SPLIT_BYTES")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../evil.py", "print('hi')")
    with pytest.raises(SplitError, match="unexpected member"):
        read_split(path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(SplitError, match="not a split file"):
        read_split(tmp_path / "junk.npz")


def test_store_builds_once_then_loads(toy, tmp_path):
    calls = []

    def build(parts_dir):
        calls.append(parts_dir)
        return arrays()

    first = canonical_split("toy", {"n": 5}, build, tmp_path / "data")
    again = canonical_split("toy", {"n": 5}, build, tmp_path / "data")
    assert len(calls) == 1 and again.split_id == first.split_id and again.path.is_file()


def test_import_admits_a_split_within_tolerance_and_refuses_one_outside(toy, tmp_path):
    here = tmp_path / "here"
    local = canonical_split("toy", {"n": 5}, lambda _: arrays(), here)
    close = write_split(make_split(toy, {"n": 5}, arrays(scale=1 + 1e-8)), tmp_path / "close.npz")
    far = write_split(make_split(toy, {"n": 5}, arrays(scale=1 + 1e-3)), tmp_path / "far.npz")
    with pytest.raises(SplitError, match="array references/y"):
        import_split(far, here)
    split, rows = import_split(close, here)
    assert {row.name: row.ok for row in rows} == {"x": True, "y": True}
    assert 0 < max(row.max_rel for row in rows) < 1e-6
    key = local.manifest["config_key"]
    assert stored_split(here, "toy", key).split_id == local.split_id  # still the one in use
    assert stored_split(here, "toy", key, split.split_id).split_id == split.split_id
    entries = json.loads((local.path.parent / "admitted.json").read_text())
    assert [e["how"] for e in entries] == ["built", "imported"]


def test_equal_infinities_and_nans_agree(toy):
    values = arrays() | {"y": np.array([-np.inf, np.nan, 1.0, np.inf, 0.0])}
    stored = make_split(toy, {"n": 5}, values)
    assert all(row.ok for row in compare(toy, stored, make_split(toy, {"n": 5}, values)))
    flipped = values | {"y": np.array([np.inf, np.nan, 1.0, np.inf, 0.0])}
    assert not all(row.ok for row in compare(toy, stored, make_split(toy, {"n": 5}, flipped)))


def test_compare_names_the_array_that_differs(toy):
    stored = make_split(toy, {"n": 5}, arrays())
    rows = compare(toy, stored, make_split(toy, {"n": 5}, arrays(scale=1.01)))
    bad = [row for row in rows if not row.ok]
    assert [row.name for row in bad] == ["y"] and bad[0].max_rel == pytest.approx(0.01)
