"""Conventional baselines of the regc task, run on the test split's (T, μ) grid.

Both return the evaluator's per-site grids (``coverage``, ``energy``, ``heat_capacity``,
``susceptibility``, ``beta_omega``) exactly like the network, so one evaluator scores all.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.regc.lattice import LatticeGas
from baselines.regc.thermo import grid_thermodynamics
from baselines.regc.transfer_matrix import transfer_matrix_dos

KEYS = ("coverage", "energy", "heat_capacity", "susceptibility", "beta_omega")


def model_from_split(split: Mapping[str, np.ndarray]) -> LatticeGas:
    """The lattice gas whose data the split holds (``lattice_shape``, ``eps0``, ``eps``)."""
    shape = tuple(int(n) for n in split["lattice_shape"])
    return LatticeGas(shape, float(split["eps0"]), float(split["eps"]))


def _on_grid(log_weight: np.ndarray, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    result = grid_thermodynamics(
        log_weight, model_from_split(split), split["temperature"], split["mu"]
    )
    return {key: result[key] for key in KEYS}


class ExactTransferMatrix:
    """The transfer-matrix density of states, recomputed: zero error, and its cost."""

    name = "regc_exact"

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with np.errstate(divide="ignore"):
            log_dos = np.log(transfer_matrix_dos(model_from_split(split)))
        return _on_grid(log_dos, split)


class MBAREstimates:
    """MBAR's own estimates from the REGC samples (its class weights stored in the split)."""

    name = "regc_mbar"

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _on_grid(split["mbar_log_weight"], split)
