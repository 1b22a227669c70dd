"""Shared fixtures of the baseline tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def small_tddft() -> dict:
    """A small TDKS setting (97 points, ±12 bohr, 6 frames, ETRS at Δt = 0.05) for fast tests."""
    return {
        "box": [-12.0, 12.0],
        "nx": 97,
        "ion_softening": 1.0,
        "interaction_softening": 1.0,
        "xc": "exchange",
        "laser": {"E0": 0.75, "omega": 2.0},
        "frames": {"n": 6, "dt": 0.2},
        "reference": {"propagator": "etrs", "dt": 0.05},
    }
