"""Cumulants of Q(t) and its two-time connected correlation, with jackknife error bars.

From n independent samples of Q on a time grid: the unbiased k-statistics k_1..k_4 at every
time (Fisher's formulas in the power sums S_r = Σ x^r) and the unbiased covariance
C(t_i, t_j) = ⟨Q(t_i)Q(t_j)⟩_c. Error bars are delete-a-group jackknife standard errors over
``groups`` blocks of samples, computed from per-block power sums so that every leave-one-out
estimate costs O(n_times²), not a pass over the data.
"""

from __future__ import annotations

import numpy as np

Statistics = dict[str, np.ndarray]


def _from_sums(n: float, s1, s2, s3, s4, cross) -> Statistics:
    """k-statistics (4, n_times) and covariance (n_times, n_times) from power sums of n samples."""
    k1 = s1 / n
    k2 = (n * s2 - s1**2) / (n * (n - 1))
    k3 = (2 * s1**3 - 3 * n * s1 * s2 + n**2 * s3) / (n * (n - 1) * (n - 2))
    k4 = (
        -6 * s1**4
        + 12 * n * s1**2 * s2
        - 3 * n * (n - 1) * s2**2
        - 4 * n * (n + 1) * s1 * s3
        + n**2 * (n + 1) * s4
    ) / (n * (n - 1) * (n - 2) * (n - 3))
    covariance = (cross - s1[..., :, None] * s1[..., None, :] / n) / (n - 1)
    return {"cumulants": np.stack([k1, k2, k3, k4], axis=-2), "corr": covariance}


def _block_sums(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Power sums S_1..S_4 (…, n_times) and cross products (…, n_times, n_times) over axis -2."""
    return (
        x.sum(-2),
        (x**2).sum(-2),
        (x**3).sum(-2),
        (x**4).sum(-2),
        np.einsum("...si,...sj->...ij", x, x),
    )


def current_statistics(samples: np.ndarray, groups: int = 50) -> tuple[Statistics, Statistics]:
    """Estimates and jackknife standard errors of ``cumulants`` (4, K) and ``corr`` (K, K).

    ``samples`` is (n, K): Q of n independent samples at K times; n must be at least
    2·``groups`` and at least 4.
    """
    samples = np.asarray(samples, float)
    n = samples.shape[0]
    if samples.ndim != 2 or n < max(4, 2 * groups):
        raise ValueError(
            f"need samples of shape (n, n_times) with n >= max(4, 2*groups={2 * groups}), "
            f"got {samples.shape}; simulate more samples or lower the jackknife groups"
        )
    shift = samples.mean(axis=0)  # centring keeps the power sums well conditioned
    x = samples - shift
    usable = n - n % groups
    blocks = _block_sums(x[:usable].reshape(groups, usable // groups, -1))
    rest = _block_sums(x[usable:])
    totals = [b.sum(0) + r for b, r in zip(blocks, rest, strict=True)]
    estimate = _from_sums(n, *totals)
    size = usable // groups
    leave_out = _from_sums(n - size, *[t - b for t, b in zip(totals, blocks, strict=True)])
    errors = {
        key: np.sqrt((groups - 1) / groups * ((value - value.mean(0)) ** 2).sum(0))
        for key, value in leave_out.items()
    }
    estimate["cumulants"][0] += shift
    return estimate, errors
