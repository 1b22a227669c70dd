"""Conventional baselines of the regc task, run on the test split's inputs.

Both compute everything they return inside ``predict`` (so the harness times it) and return the
evaluator's per-site grids (``coverage``, ``energy``, ``heat_capacity``, ``susceptibility``,
``beta_omega``) exactly like the network, so one evaluator scores all; besides, the
``dominant_coverage`` grid and their class table ``log_weight`` ln W[N, B] (for the figures),
and MBAR its overlap diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from baselines.regc.lattice import LatticeGas
from baselines.regc.mbar import LatticeMBAR, replica_states
from baselines.regc.thermo import QUANTITIES, grid_thermodynamics
from baselines.regc.transfer_matrix import transfer_matrix_dos


def model_from_inputs(inputs: Mapping[str, np.ndarray]) -> LatticeGas:
    """The lattice gas of a split (inputs ``lattice_shape``, ``eps0``, ``eps``)."""
    shape = tuple(int(n) for n in inputs["lattice_shape"])
    return LatticeGas(shape, float(inputs["eps0"]), float(inputs["eps"]))


def split_mbar(inputs: Mapping[str, np.ndarray]) -> LatticeMBAR:
    """MBAR over a split's REGC samples, its states being the replica grid.

    The one MBAR analysis of the task: the ``regc_mbar`` baseline and the training targets of
    the learned model (:mod:`tasks.regc.data`) both start from it.
    """
    state_t, state_mu = replica_states(inputs["replica_temperature"], inputs["replica_mu"])
    return LatticeMBAR(
        model_from_inputs(inputs), state_t, state_mu, inputs["sample_n_ads"],
        inputs["sample_bonds"], inputs["samples_per_state"],
    )  # fmt: skip


def _on_grid(log_weight: np.ndarray, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    result = grid_thermodynamics(
        log_weight, model_from_inputs(inputs), inputs["temperature"], inputs["mu"]
    )
    return {**{key: result[key] for key in QUANTITIES}, "log_weight": log_weight}


class ExactTransferMatrix:
    """The transfer-matrix density of states, computed here: zero error, and its cost."""

    name = "regc_exact"

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with np.errstate(divide="ignore"):
            log_dos = np.log(transfer_matrix_dos(model_from_inputs(inputs)))
        return _on_grid(log_dos, inputs)


class MBAREstimates:
    """MBAR's estimates from the split's REGC samples, solved here (class weights, grids).

    Also returns ``overlap`` (K × K) and ``overlap_scalar`` (1 - second largest eigenvalue) of
    the replica states: how well the samples connect them.
    """

    name = "regc_mbar"

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        mbar = split_mbar(inputs)
        overlap, scalar = mbar.overlap()
        return {
            **_on_grid(mbar.class_log_weights(), inputs),
            "overlap": overlap,
            "overlap_scalar": np.array(scalar),
        }
