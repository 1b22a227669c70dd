"""Two-electron 1D systems of the KS-inversion task: settings, grid, potentials, parameter grid.

A system is a pair of softened nuclei of charges Z1 at x = +d/2 and Z2 at x = -d/2 (an atom
when d = 0) holding two electrons in a spin singlet, in the conventions of iDEA
(``iDEA.system.System``, ``iDEA.interactions.softened_interaction``):

    v_ext(x) = -Z1 / (|x - d/2| + a) - Z2 / (|x + d/2| + a),
    v_int(x, x') = 1 / (|x - x'| + b),

on the uniform grid ``linspace(box[0], box[1], nx)`` that includes the box edges; the
finite-difference kinetic operator treats the wave function as zero one spacing beyond them.
Atomic units: x in bohr, potentials in hartree.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

STENCILS = (3, 5, 7, 9, 11, 13)  # points of the central second-difference stencil (as iDEA)


@dataclass(frozen=True)
class Physics:
    """Numerical and physical settings shared by every system of a data set.

    Attributes:
        box: (left, right) edges of the grid (bohr); both are grid points.
        nx: number of grid points.
        softening: a of the external potential (bohr).
        interaction_softening: b of the electron–electron interaction (bohr).
        stencil: points of the second-derivative stencil (3, 5, ..., 13; iDEA's convention,
            so 5 is the fourth-order stencil).
        density_floor: density (bohr^-1) below which the inverted potential is not resolved
            and is continued by its asymptotic form (see ``inversion``).
    """

    box: tuple[float, float]
    nx: int
    softening: float
    interaction_softening: float
    stencil: int
    density_floor: float

    def __post_init__(self) -> None:
        left, right = self.box
        if not right > left:
            raise ValueError(f"physics.box must be [left, right] with right > left, got {self.box}")
        if self.nx < 2 * self.stencil:
            raise ValueError(
                f"physics.nx = {self.nx} is too small for a {self.stencil}-point stencil"
            )
        if self.stencil not in STENCILS:
            raise ValueError(
                f"physics.stencil = {self.stencil} is not one of {STENCILS}: it counts the points "
                "of the second-derivative stencil (iDEA's convention; 5 = fourth order)"
            )
        if self.softening <= 0 or self.interaction_softening <= 0:
            raise ValueError("physics.softening and physics.interaction_softening must be > 0")
        if not 0 < self.density_floor < 1:
            raise ValueError(f"physics.density_floor must be in (0, 1), got {self.density_floor}")

    @classmethod
    def from_mapping(cls, physics: Mapping[str, Any] | Physics) -> Physics:
        """Validate a physics dict (``task.physics`` of the config); all keys are required."""
        if isinstance(physics, Physics):
            return physics
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in physics]
        unknown = sorted(set(physics) - set(names))
        if missing or unknown:
            raise ValueError(
                f"physics settings need exactly the keys {names}; missing {missing}, "
                f"unknown {unknown}"
            )
        box = tuple(float(edge) for edge in physics["box"])
        if len(box) != 2:
            raise ValueError(f"physics.box must have two edges, got {physics['box']}")
        return cls(
            box=box,  # type: ignore[arg-type]
            nx=int(physics["nx"]),
            softening=float(physics["softening"]),
            interaction_softening=float(physics["interaction_softening"]),
            stencil=int(physics["stencil"]),
            density_floor=float(physics["density_floor"]),
        )

    @property
    def x(self) -> np.ndarray:
        """Grid points (bohr), box edges included."""
        return np.linspace(self.box[0], self.box[1], self.nx)


def grid_spacing(x: np.ndarray) -> float:
    """Spacing of a uniform increasing grid (bohr); ValueError for anything else."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 3:
        raise ValueError("x must be a 1D grid with at least 3 points")
    steps = np.diff(x)
    dx = float(x[-1] - x[0]) / (x.size - 1)
    if dx <= 0 or not np.allclose(steps, dx, rtol=1e-9, atol=0.0):
        raise ValueError("x must be uniform and strictly increasing")
    return dx


def external_potential(
    x: np.ndarray, z1: float, z2: float, d: float, softening: float
) -> np.ndarray:
    """v_ext(x) = -Z1/(|x - d/2| + a) - Z2/(|x + d/2| + a) (hartree)."""
    return -z1 / (np.abs(x - 0.5 * d) + softening) - z2 / (np.abs(x + 0.5 * d) + softening)


def interaction_matrix(x: np.ndarray, softening: float) -> np.ndarray:
    """v_int[i, j] = 1/(|x_i - x_j| + b) (hartree), iDEA's softened interaction."""
    return 1.0 / (np.abs(x[:, None] - x[None, :]) + softening)


def hartree_potential(x: np.ndarray, density: np.ndarray, softening: float) -> np.ndarray:
    """v_H(x_i) = Σ_j n(x_j) / (|x_i - x_j| + b) dx (hartree), as ``iDEA.observables``."""
    return interaction_matrix(x, softening) @ density * grid_spacing(x)


def parameter_grid(ranges: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Rows (Z1, Z2, d) of the full tensor grid over ``ranges`` (Z1 slowest, d fastest).

    ``ranges`` maps ``"Z1"``, ``"Z2"``, ``"d"`` to ``[low, high, count]`` (``numpy.linspace``).
    Every combination is kept, as in the seed's 9 × 9 × 9 = 729 systems, including the mirror
    images (Z1, Z2, d) ↔ (Z2, Z1, d) (v_ext(x) ↔ v_ext(-x)) and, at d = 0, atoms with equal
    Z1 + Z2; :func:`split_indices` keeps such equivalent systems in the same part.
    """
    axes = []
    for name in ("Z1", "Z2", "d"):
        if name not in ranges:
            raise ValueError(f"parameter ranges need 'Z1', 'Z2' and 'd'; {name!r} is missing")
        low, high, count = ranges[name]
        if int(count) < 1 or (int(count) > 1 and not high >= low):
            raise ValueError(f"range of {name} must be [low, high, count >= 1], got {ranges[name]}")
        axes.append(np.linspace(float(low), float(high), int(count)))
    if axes[2][0] < 0:
        raise ValueError("the bond length d must be non-negative")
    return np.array(list(itertools.product(*axes)), dtype=float)


def equivalence_classes(params: np.ndarray, decimals: int = 9) -> np.ndarray:
    """Label per row; rows with equal labels are the same physical system up to x → -x.

    Atoms (d = 0) depend only on Z1 + Z2; diatomics on the unordered pair {Z1, Z2} and d.
    """
    params = np.round(np.asarray(params, dtype=float), decimals)
    keys = [
        (z1 + z2, 0.0, 0.0) if d == 0 else (min(z1, z2), max(z1, z2), d) for z1, z2, d in params
    ]
    _, labels = np.unique(np.array(keys), axis=0, return_inverse=True)
    return labels.ravel()


def split_indices(
    params: np.ndarray,
    sizes: Sequence[int],
    seed: int,
    extrapolate_d: float | None = None,
) -> dict[str, np.ndarray]:
    """Random train/val/test indices of exactly ``sizes``, equivalent systems kept together.

    Whole equivalence classes (:func:`equivalence_classes`) are taken in a random order and each
    goes to the first part with room for it, so no test system is a mirror image (or, for
    atoms, a relabelling) of a training one. With ``extrapolate_d``, systems with
    d > ``extrapolate_d`` are removed first and returned as ``"extrapolation"``.
    """
    params = np.asarray(params, dtype=float)
    pool = np.arange(len(params))
    parts: dict[str, np.ndarray] = {}
    if extrapolate_d is not None:
        far = params[:, 2] > extrapolate_d
        parts["extrapolation"] = pool[far]
        pool = pool[~far]
    if len(sizes) != 3 or sum(sizes) != pool.size:
        raise ValueError(
            f"split sizes {list(sizes)} must be three numbers adding up to the {pool.size} "
            "systems available"
        )
    labels = equivalence_classes(params[pool])
    chosen: list[list[int]] = [[], [], []]
    for label in np.random.default_rng(seed).permutation(labels.max() + 1):
        members = pool[labels == label].tolist()
        room = [k for k in range(3) if len(chosen[k]) + len(members) <= sizes[k]]
        if not room:
            raise ValueError(
                f"cannot fill split sizes {list(sizes)} with whole equivalence classes for "
                f"seed {seed}; try another seed or sizes"
            )
        chosen[room[0]].extend(members)
    for name, members in zip(("train", "val", "test"), chosen, strict=True):
        parts[name] = np.sort(np.array(members, dtype=int))
    return parts
