"""The seed's regime tables from engine studies: rate and median time per cell, seed quoted."""

from __future__ import annotations

import numpy as np
import pytest

from leaderboard.record import write_record
from tasks.cft.regimes import SEED_PYSR_LOSS, write_regime_tables


def _search(root, num, n_theories, fraction, seed, exact, seconds):
    fields = {
        "task": "cft", "method": "cft_operon", "kind": "baseline", "experiment": "study",
        "split": "test", "seed": seed, "metrics": {"exact": exact, "search_seconds": seconds},
        "timings": {}, "split_id": "0" * 64,
        "config": {"task": {"name": "cft", "source": "minimal", "integer_columns": 0,
                            "n_theories": n_theories, "primary_fraction": fraction}},
        "git": {"commit": None, "dirty": None}, "packages": {}, "hardware": {}, "wandb": None,
        "created_utc": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip
    write_record(root / str(num), fields, {"expression": np.array("p")})


def test_cells_count_exact_searches_and_take_the_median_time(tmp_path):
    outcomes = [(1.0, 10.0), (0.0, 60.0), (1.0, 20.0)]
    for seed, (exact, seconds) in enumerate(outcomes):
        _search(tmp_path / "study", seed, 100, 0.3, seed, exact, seconds)
    (path,) = write_regime_tables([str(tmp_path / "study")], tmp_path)
    text = path.read_text()
    assert "| 30% | 2/3 exact, 20 s | not run | not run |" in text
    assert "| 30%, seed's PySR loss | 3.49e-05 | 0.000613 | 0.00122 |" in text
    assert "h of the minimal models, integer columns: none" in text


def test_seed_tables_cover_the_grid_and_a_report_needs_studies(tmp_path):
    assert all(len(table) == 9 for table in SEED_PYSR_LOSS.values())
    assert SEED_PYSR_LOSS[("wzw", True)][(100, 0.5)] == 0.0  # an exact PySR equation
    with pytest.raises(SystemExit, match="ablation=cft_engines"):
        write_regime_tables([], tmp_path)
