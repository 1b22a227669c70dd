"""The simulated split: layout, its spec, determinism, the store and validation of the cases."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.mft.predictors import ExactFormulas
from tasks.mft.data import system_table
from tasks.mft.spec import SPEC
from tasks.spec import get_task

from .conftest import TINY_CASES, tiny_module


def test_split_layout(tiny_split):
    s, k, c = 8, 3, 4
    data = tiny_split.scoring
    assert data["corr"].shape == (s, k, k) and data["cumulants"].shape == (s, 4, k)
    assert data["case"].tolist() == [case["name"] for case in TINY_CASES]
    assert data["system_role"].tolist() == ["equilibrium", "step"] * c
    assert data["samples"].shape == (600 * s, k)
    assert np.bincount(data["samples_system"]).tolist() == [600] * s
    assert np.all(data["events"] > 0) and np.all(data["corr_err"] > 0)
    assert np.allclose(data["corr"], np.transpose(data["corr"], (0, 2, 1)))
    steps = data["system_role"] == "step"
    assert np.all(np.isnan(data["corr_exact"][steps]))
    assert data["sigma_exact"].tolist() == [1.0, 1.0, 0.5, 0.5]
    assert float(data["end_effect_bound"]) < 1e-5


def test_split_follows_the_spec_and_hides_references(tiny_split):
    assert get_task("mft") is SPEC
    assert set(tiny_split.inputs) == set(SPEC.inputs)
    assert set(tiny_split.references) == set(SPEC.references)
    assert set(tiny_split.provenance) == set(SPEC.provenance)
    assert tiny_split.n_samples(SPEC) == len(TINY_CASES)
    with pytest.raises(KeyError, match="references are hidden"):
        tiny_split.inputs["sigma_exact"]
    with pytest.raises(ValueError, match="read-only"):
        tiny_split.inputs["corr"][0, 0, 0] = 0.0


def test_exact_formulas_need_no_reference(tiny_split):
    """The formula baseline computes σ, D and the surfaces from model, setting and ρ alone."""
    predictions = ExactFormulas().predict(tiny_split.inputs)
    assert np.array_equal(predictions["sigma"], tiny_split.references["sigma_exact"])
    assert np.array_equal(predictions["D"], tiny_split.references["d_exact"])
    steps = tiny_split.inputs["system_role"] == "step"
    assert np.array_equal(predictions["mean"], tiny_split.references["mean_exact"])
    corr = tiny_split.references["corr_exact"]
    assert np.array_equal(predictions["corr"][~steps], corr[~steps])


def test_split_is_fixed_by_the_data_seed(monkeypatch, tiny_split):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    a = tiny_module(TINY_CASES[:1]).test_split()
    b = tiny_module(TINY_CASES[:1]).test_split()
    c = tiny_module(TINY_CASES[:1], data_seed=8).test_split()
    assert a.split_id == b.split_id  # a rebuild reproduces the split
    assert not np.array_equal(a.inputs["samples"], c.inputs["samples"])
    # the first case's batches are seeded alike inside the larger split
    assert np.array_equal(a.inputs["samples"][:1200], tiny_split.inputs["samples"][:1200])


def test_rebuild_with_two_workers_is_identical(monkeypatch):
    """Batches are seeded one by one: the worker count does not change a single bit."""
    splits = []
    for workers in ("1", "2"):
        monkeypatch.setenv("EXACTBENCH_WORKERS", workers)
        splits.append(tiny_module(TINY_CASES[:2]).test_split())
    assert splits[0].split_id == splits[1].split_id
    assert np.array_equal(splits[0].provenance["events"], splits[1].provenance["events"])


def test_stored_split_and_training_batch(monkeypatch, tmp_path):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    module = tiny_module(TINY_CASES[:1], cache_dir=str(tmp_path))
    split = module.test_split()
    assert split.path is not None and split.path.is_file()
    again = tiny_module(TINY_CASES[:1], cache_dir=str(tmp_path), seed=1).test_split()
    assert again.split_id == split.split_id and again.path == split.path  # read, not rebuilt
    batches = list(module.train_dataloader())
    assert len(batches) == 3
    numeric = {key for key, value in split.inputs.items() if value.dtype.kind in "fiu"}
    assert set(batches[0]) == numeric - {"samples", "samples_system"}  # inputs only


def test_bad_cases_are_rejected():
    with pytest.raises(ValueError, match="ρ_a ≠ ρ_b"):
        system_table([{**TINY_CASES[0], "step": [0.5, 0.5]}])
    with pytest.raises(ValueError, match="model must be"):
        system_table([{**TINY_CASES[0], "model": "tasep"}])
