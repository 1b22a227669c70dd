"""Conventional baselines of the TDDFT task: Octopus-style propagation of every test system.

Both read only the inputs ``params`` (n_systems, 3), ``x`` (nx,) and ``t`` (n_frames,) of the
test split and propagate from the ground state (no observed frame is used); they return
``{"density": (n_systems, n_frames, nx)}`` on the split's grid and times, like the FNO, so the
task's evaluator scores both. The grid and frame times come from the split (so a finer test grid
is honoured); everything else from ``physics``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline

from baselines.parallel import map_parameters, map_systems, stack_results
from baselines.tddft.simulate import orbital_movie, simulate_system
from baselines.tddft.system import grid_spacing, uniform_axis


def physics_of_split(
    physics: Mapping[str, Any], inputs: Mapping[str, np.ndarray], propagator: str, dt: float
) -> dict[str, Any]:
    """``physics`` with the split's grid (box, nx), frames (n, dt) and the given scheme."""
    x, t = np.asarray(inputs["x"], float), np.asarray(inputs["t"], float)
    grid_spacing(x, "the split's x")
    frame_dt = grid_spacing(t, "the split's t") if t.size > 1 else 1.0  # 1 frame: no step
    if t[0] != 0.0:
        raise ValueError(f"the split's frames must start at t = 0 (the ground state), got {t[0]}")
    result = copy.deepcopy(dict(physics))
    result |= {
        "box": [float(x[0]), float(x[-1])],
        "nx": int(x.size),
        "frames": {"n": int(t.size), "dt": frame_dt},
        "reference": {"propagator": str(propagator), "dt": float(dt)},
    }
    return result


class ReferencePropagator:
    """The TDKS movie of every test system with scheme ``propagator`` at internal step ``dt``.

    Args:
        physics: the task's physics dict (``baselines.tddft.simulate``).
        propagator: ``crank_nicolson`` | ``exp_mid`` | ``etrs`` | ``aetrs``.
        dt: internal time step (ħ/E_h), shortened to divide the frame interval.
    """

    def __init__(self, physics: Mapping[str, Any], propagator: str, dt: float) -> None:
        self.physics, self.propagator, self.dt = dict(physics), str(propagator), float(dt)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Movies of the systems ``inputs["params"]`` on the grid and frames of the inputs."""
        physics = physics_of_split(self.physics, inputs, self.propagator, self.dt)
        movies = map_parameters(
            simulate_system, inputs["params"], physics,
            description=f"TDKS {self.propagator} ({len(inputs['params'])} systems)",
        )  # fmt: skip
        return propagated(movies["density"])


def propagated(density: np.ndarray) -> dict[str, np.ndarray]:
    """Predictions of a propagator: the movies and the frames each system was propagated."""
    return {"density": density, "propagated_frames": np.array(density.shape[1] - 1)}


def coarse_movie(item: tuple[np.ndarray, Mapping[str, Any], np.ndarray]) -> dict[str, np.ndarray]:
    """Density movie of ``item`` = (params, coarse physics, target grid x) on the target grid.

    The orbital of the coarse run is interpolated by a cubic spline in x (real and imaginary
    parts) and squared, n = 2|φ|², so the interpolated density is non-negative.
    """
    params, physics, x_target = item
    reference = physics["reference"]
    hamiltonian, orbitals = orbital_movie(
        params, physics, str(reference["propagator"]), float(reference["dt"])
    )
    spline = CubicSpline(hamiltonian.x, orbitals, axis=1)
    return {"density": hamiltonian.density(spline(x_target))}


class CoarsePropagator:
    """ "Octopus (coarse)": scheme ``propagator`` at a larger step ``dt`` on ``nx`` points of the
    same box, interpolated back to the split's grid.

    Args:
        physics: the task's physics dict.
        propagator: ``crank_nicolson`` | ``exp_mid`` | ``etrs`` | ``aetrs``.
        dt: internal time step (ħ/E_h), shortened to divide the frame interval.
        nx: points of the coarse grid over the split's box.
    """

    def __init__(self, physics: Mapping[str, Any], propagator: str, dt: float, nx: int) -> None:
        self.physics, self.propagator, self.dt = dict(physics), str(propagator), float(dt)
        self.nx = int(nx)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Coarse movies of the systems ``inputs["params"]``, splined onto the inputs' grid."""
        physics = physics_of_split(self.physics, inputs, self.propagator, self.dt)
        x_target = np.asarray(inputs["x"], float)
        physics["nx"] = self.nx
        uniform_axis(physics["box"], self.nx)  # validates nx
        items = [(row, physics, x_target) for row in np.asarray(inputs["params"], float)]
        results = map_systems(
            coarse_movie,
            items,
            description=f"coarse TDKS {self.propagator} dt={self.dt:g} nx={self.nx} "
            f"({len(items)} systems)",
        )
        return propagated(stack_results(results)["density"])
