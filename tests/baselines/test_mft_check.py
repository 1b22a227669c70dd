"""Verdicts of the formula check on synthetic estimates with known deviations."""

from __future__ import annotations

import numpy as np

from baselines.mft.check import check_all, check_formula
from baselines.mft.formulas import REGISTRY, System, two_time_mft

TIMES = np.array([4.0, 9.0, 16.0, 25.0])
SYSTEM = System("walkers", "annealed", 0.5, 0.5)
EQ49 = next(f for f in REGISTRY if f.key == "(49)")


def _stats(scale: float, relative_error: float) -> dict:
    t1, t2 = np.meshgrid(TIMES, TIMES, indexing="ij")
    corr = scale * two_time_mft("annealed", 1.0, 1.0, t1, t2)
    return {
        "corr": corr,
        "corr_err": relative_error * corr,
        "cumulants": np.zeros((4, TIMES.size)),
        "cumulants_err": np.ones((4, TIMES.size)),
    }


def test_verdicts():
    holds = check_formula(EQ49, SYSTEM, TIMES, _stats(1.001, 0.01), 4.0, 4.0, 0.02)
    small = check_formula(EQ49, SYSTEM, TIMES, _stats(1.01, 0.001), 4.0, 4.0, 0.02)
    fails = check_formula(EQ49, SYSTEM, TIMES, _stats(2.0, 0.01), 4.0, 4.0, 0.02)
    assert holds["verdict"] == "holds" and holds["points"] == 10
    assert small["verdict"] == "holds to <2%" and np.isclose(small["max_abs_rel"], 0.01)
    assert fails["verdict"] == "fails" and np.isclose(fails["r_last"], 1.0)


def test_deviation_falling_like_inverse_sqrt_t_holds_asymptotically():
    stats = _stats(1.0, 0.001)
    diagonal = np.diag_indices(TIMES.size)
    stats["corr"][diagonal] += 0.3  # an O(1) offset on a √t law
    row = check_formula(EQ49, SYSTEM, TIMES, stats, 4.0, 4.0, 0.02)
    assert row["verdict"] == "holds as t→∞" and row["r_last"] < row["r_first"]


def test_t_min_selects_points_and_check_all_respects_claims():
    row = check_formula(EQ49, SYSTEM, TIMES, _stats(1.0, 0.01), 16.0, 4.0, 0.02)
    assert row["points"] == 3
    rows = check_all([("w", SYSTEM)], TIMES, [_stats(1.0, 0.01)], 4.0, 4.0, 0.02)
    keys = {r["formula"] for r in rows}
    assert "(49)" in keys and "(48)" not in keys and "(37)" not in keys
