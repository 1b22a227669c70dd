"""k-statistics, covariance and jackknife errors against SciPy, NumPy and sampling theory."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from baselines.mft.estimators import current_statistics


def test_estimates_equal_scipy_kstat_and_numpy_cov():
    rng = np.random.default_rng(1)
    x = rng.poisson(3.0, (3000, 3)) + rng.normal(size=(3000, 1))
    estimate, _ = current_statistics(x, groups=20)
    for order in range(1, 5):
        expected = stats.kstat(x, order, axis=0)
        assert np.allclose(estimate["cumulants"][order - 1], expected, rtol=1e-8, atol=1e-8)
    assert np.allclose(estimate["corr"], np.cov(x, rowvar=False), rtol=1e-10)
    shifted, _ = current_statistics(x + 1e4, groups=20)  # centred sums: no loss of precision
    assert np.allclose(shifted["cumulants"][0], estimate["cumulants"][0] + 1e4, rtol=1e-12)
    assert np.allclose(shifted["cumulants"][1:], estimate["cumulants"][1:], rtol=1e-9)


def test_jackknife_errors_match_sampling_theory():
    """Gaussian data: SE(k2) = σ²√(2/(n-1)), SE(k1) = σ/√n; Poisson k4 estimates κ4 = λ."""
    rng = np.random.default_rng(2)
    n = 20000
    x = rng.normal(0.0, 2.0, (n, 1))
    _, error = current_statistics(x, groups=100)
    assert error["cumulants"][0, 0] == pytest.approx(2.0 / np.sqrt(n), rel=0.2)
    assert error["cumulants"][1, 0] == pytest.approx(4.0 * np.sqrt(2 / (n - 1)), rel=0.2)
    poisson = rng.poisson(2.0, (n, 1))
    estimate, error = current_statistics(poisson, groups=100)
    assert abs(estimate["cumulants"][3, 0] - 2.0) < 5 * error["cumulants"][3, 0]


def test_too_few_samples_are_rejected():
    with pytest.raises(ValueError, match="jackknife groups"):
        current_statistics(np.zeros((10, 2)), groups=50)
