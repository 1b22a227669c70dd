"""The simulated split: layout, determinism, caching and validation of the cases."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.cache import arrays_checksum
from tasks.mft.data import MFTDataModule, build_split, system_table

from .conftest import TINY_CASES, TINY_SIMULATION


def test_split_layout(tiny_split):
    s, k, c = 8, 3, 4
    assert tiny_split["corr"].shape == (s, k, k) and tiny_split["cumulants"].shape == (s, 4, k)
    assert tiny_split["case"].tolist() == [case["name"] for case in TINY_CASES]
    assert tiny_split["system_role"].tolist() == ["equilibrium", "step"] * c
    assert tiny_split["samples"].shape == (600 * s, k)
    assert np.bincount(tiny_split["samples_system"]).tolist() == [600] * s
    assert np.all(tiny_split["events"] > 0) and np.all(tiny_split["corr_err"] > 0)
    assert np.allclose(tiny_split["corr"], np.transpose(tiny_split["corr"], (0, 2, 1)))
    steps = tiny_split["system_role"] == "step"
    assert np.all(np.isnan(tiny_split["corr_exact"][steps]))
    assert tiny_split["sigma_exact"].tolist() == [1.0, 1.0, 0.5, 0.5]
    assert float(tiny_split["end_effect_bound"]) < 1e-5


def test_split_is_fixed_by_the_data_seed(monkeypatch, tiny_split):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    cases = TINY_CASES[:1]
    a = build_split(cases, TINY_SIMULATION, 5, data_seed=7, parts_dir=None)
    b = build_split(cases, TINY_SIMULATION, 5, data_seed=7, parts_dir=None)
    c = build_split(cases, TINY_SIMULATION, 5, data_seed=8, parts_dir=None)
    assert arrays_checksum(a) == arrays_checksum(b)  # a rebuild reproduces the checksum
    assert not np.array_equal(a["samples"], c["samples"])
    # the first case's batches are seeded alike inside the larger split
    assert np.array_equal(a["samples"][:1200], tiny_split["samples"][:1200])


def test_cached_split_and_training_batch(monkeypatch, tmp_path):
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    module = MFTDataModule(TINY_CASES[:1], TINY_SIMULATION, 5, 7, 3, str(tmp_path), 0)
    split = module.test_split()
    assert split.checksum.startswith("sha256:") and split.path.is_file()
    again = MFTDataModule(TINY_CASES[:1], TINY_SIMULATION, 5, 7, 3, str(tmp_path), 1)
    assert again.test_split().checksum == split.checksum  # the run seed does not change data
    batches = list(module.train_dataloader())
    assert len(batches) == 3 and "corr" in batches[0] and "samples" not in batches[0]


def test_bad_cases_are_rejected():
    with pytest.raises(ValueError, match="ρ_a ≠ ρ_b"):
        system_table([{**TINY_CASES[0], "step": [0.5, 0.5]}])
    with pytest.raises(ValueError, match="model must be"):
        system_table([{**TINY_CASES[0], "model": "tasep"}])
