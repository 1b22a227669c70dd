"""Small exact splits of the cft task."""

from __future__ import annotations

import pytest

from tasks.cft.tables import family_tables, settings_arrays

SCORING = {"max_denominator": 1000, "constant_rtol": 1e-5}


def small_split(family: str, quantity: str, n: int = 20, fraction: float = 0.5, integers: int = 0):
    tables = family_tables(
        family, quantity, n, fraction, {"n_theories": 5, "primary_fraction": 1.0}
    )
    return tables | settings_arrays(integers, SCORING)


@pytest.fixture
def split_factory():
    return small_split
