"""Density of states g(N, B) of small lattices by enumerating all 2^(LM) configurations.

The independent check of the transfer matrix (:mod:`baselines.regc.transfer_matrix`) and of the
sampler's stationary distribution; feasible up to about 24 sites.
"""

from __future__ import annotations

import numpy as np

from baselines.regc.lattice import LatticeGas, count_bonds

MAX_SITES = 24


def enumerate_dos(model: LatticeGas, chunk: int = 1 << 16) -> np.ndarray:
    """Integer g[N, B]: number of configurations with N adsorbates and B occupied bonds."""
    L, M = model.shape
    sites = model.sites
    if sites > MAX_SITES:
        raise ValueError(f"enumeration of {sites} sites is too large (at most {MAX_SITES})")
    dos = np.zeros((sites + 1, model.max_bonds + 1), np.int64)
    bits = np.arange(sites, dtype=np.int64)
    for start in range(0, 1 << sites, chunk):
        codes = np.arange(start, min(start + chunk, 1 << sites), dtype=np.int64)
        occupation = ((codes[:, None] >> bits) & 1).reshape(-1, L, M)
        np.add.at(dos, (occupation.sum(axis=(1, 2)), count_bonds(occupation)), 1)
    return dos
