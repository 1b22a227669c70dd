"""Figures of the physics modules outside the sampled data set: the ideal-gas chemical potential
(ab initio atomistic thermodynamics) and the CHE free-energy diagram of the ORR example."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from baselines.regc.che import (
    WATER_FORMATION,
    limiting_potential,
    orr_associative_path,
    path_free_energies,
)
from baselines.regc.gas import DiatomicGas


def physics_figures(
    gas: Mapping[str, Any],
    pressures: Sequence[float],
    temperature_range: Sequence[float],
    orr: Mapping[str, float],
    out_dir: Path,
) -> list[Path]:
    """Δμ_X(T, p) of the gas for several pressures and the ORR free-energy diagram.

    Args:
        gas: ``molecule`` (:class:`DiatomicGas` fields) and ``reference_pressure`` (Pa).
        pressures: pressures of the μ(T) curves (Pa).
        temperature_range: [T_min, T_max] (K).
        orr: ``g_o2``, ``g_ooh``, ``g_o``, ``g_oh`` (eV, see :func:`orr_associative_path`).
        out_dir: directory of the PNG files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        _chemical_potential(DiatomicGas(**gas["molecule"]), pressures, temperature_range, out_dir),
        _orr_diagram(orr, out_dir),
    ]


def _chemical_potential(gas: DiatomicGas, pressures, temperature_range, out_dir: Path) -> Path:
    t = np.linspace(*temperature_range, 200)
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for p in pressures:
        ax.plot(t, gas.atom_chemical_potential(t, p), label=f"p = {p:.0e} Pa")
    ax.set(xlabel="T (K)", ylabel=f"Δμ per atom of {gas.name} (eV)",
           title=f"ideal-gas chemical potential, ½(μ - E) of {gas.name}")  # fmt: skip
    ax.legend(fontsize=8)
    path = out_dir / f"chemical_potential_{gas.name}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _orr_diagram(orr: Mapping[str, float], out_dir: Path) -> Path:
    labels, g0, n = orr_associative_path(**orr)
    u_limit = limiting_potential(g0, n)
    fig, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    for u, style in ((0.0, "C0"), (u_limit, "C3"), (WATER_FORMATION, "C2")):
        g = path_free_energies(g0, n, potential=u)
        for k, value in enumerate(g):
            ax.plot([k - 0.3, k + 0.3], [value, value], color=style, lw=2.5,
                    label=f"U = {u:.2f} V" if k == 0 else None)  # fmt: skip
            if k:
                ax.plot([k - 0.7, k - 0.3], [g[k - 1], value], color=style, lw=0.8, ls=":")
    ax.set_xticks(range(len(labels)), labels)
    ax.set(ylabel="G (eV)", title=f"ORR, associative mechanism: U_L = {u_limit:.2f} V (CHE)")
    ax.legend()
    path = out_dir / "orr_free_energy_diagram.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
