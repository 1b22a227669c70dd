"""Figures of the regc task: phase diagrams, C(T, μ) maps, F_i(μ) curves, C(T) at chosen μ.

``split`` is every array of the split (inputs, references, provenance); the predictions hold the
evaluator's grids and, from the baselines, ``dominant_coverage`` and the class table
``log_weight`` ln W[N, B] (MBAR's or the transfer matrix's), drawn where present.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from baselines.regc.lattice import K_B
from baselines.regc.solvers import model_from_inputs
from baselines.regc.thermo import grid_thermodynamics
from tasks.plotting import panel_row

CURVE_TEMPERATURES = 3  # temperatures of the F_i(μ) figure (spread over the window)


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """All figures of one run: exact vs predicted."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        _heat_capacity_map(predictions, split, out_dir),
        _heat_capacity_curves(predictions, split, out_dir),
        _phase_diagrams(predictions, split, out_dir),
        _free_energy_curves(predictions, split, out_dir),
    ]


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _heat_capacity_map(predictions, split, out_dir: Path) -> Path:
    t, mu = split["temperature"], split["mu"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    extent = (t[0], t[-1], mu[0], mu[-1])
    labels = ("T (K)", "μ (eV)")
    panel_row(axes[0], split["heat_capacity"], predictions["heat_capacity"], extent, labels,
              "C per site (k_B)")  # fmt: skip
    panel_row(axes[1], split["coverage"], predictions["coverage"], extent, labels, "coverage θ")
    return _save(fig, out_dir / "heat_capacity_map.png")


def _heat_capacity_curves(predictions, split, out_dir: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for mu in split["cv_peak_mu"]:
        column = int(np.argmin(np.abs(split["mu"] - mu)))
        label = f"μ = {split['mu'][column]:g} eV"
        ax.plot(
            split["temperature"], split["heat_capacity"][:, column], "k-", label=f"exact, {label}"
        )
        ax.plot(split["temperature"], predictions["heat_capacity"][:, column], "C3:",
                label=f"predicted, {label}")  # fmt: skip
    ax.set(xlabel="T (K)", ylabel="C per site (k_B)", title="heat capacity C(T)")
    ax.legend(fontsize=8)
    return _save(fig, out_dir / "heat_capacity_curves.png")


def _phase_diagrams(predictions, split, out_dir: Path) -> Path:
    """Dominant coverage over (T, μ) (exact, predicted) and over (T, log10 p) for the gas.

    Predictions without ``dominant_coverage`` (the network) show their mean coverage instead.
    """
    t, mu = split["temperature"], split["mu"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), constrained_layout=True)
    levels = np.unique(split["dominant_coverage"])
    predicted = "dominant_coverage" if "dominant_coverage" in predictions else "coverage"
    panels = (
        (axes[0], split["dominant_coverage"], "dominant coverage, exact"),
        (axes[1], predictions[predicted], f"{predicted.replace('_', ' ')}, predicted"),
    )
    for ax, values, title in panels:
        shown = ax.pcolormesh(t, mu, np.asarray(values).T, shading="nearest", cmap="viridis",
                              vmin=0, vmax=1)  # fmt: skip
        rows, cols = np.nonzero(split["replica_mask"])
        ax.plot(t[rows], mu[cols], "w.", ms=3, label="replica states")
        ax.set(xlabel="T (K)", ylabel="μ (eV)", title=title)
        fig.colorbar(shown, ax=ax)
    grid_t = np.broadcast_to(t[:, None], split["log10_pressure"].shape)
    shown = axes[2].contourf(grid_t, split["log10_pressure"], split["dominant_coverage"],
                             levels=np.append(levels, 1.01) - 0.005, cmap="viridis")  # fmt: skip
    axes[2].set(xlabel="T (K)", ylabel=f"log10(p/p0) of {split['gas_name']}",
                title="dominant coverage (exact) over (T, p)")  # fmt: skip
    fig.colorbar(shown, ax=axes[2])
    return _save(fig, out_dir / "phase_diagram.png")


def _free_energy_curves(predictions, split, out_dir: Path) -> Path:
    """F_i(μ) = -kT ln P(N_i) per coverage at a few temperatures: exact lines, and dots from
    the predicted class table ``log_weight`` where the predictions hold one."""
    model = model_from_inputs(split)
    t_all = split["temperature"]
    temps = t_all[np.linspace(0, t_all.size - 1, CURVE_TEMPERATURES).round().astype(int)]
    curves = lambda log_weight: grid_thermodynamics(  # noqa: E731
        log_weight, model, temps, split["mu"], with_log_pn=True
    )["log_pn"]
    with np.errstate(divide="ignore"):
        exact = curves(np.log(split["dos"]))
    predicted = curves(predictions["log_weight"]) if "log_weight" in predictions else None
    coverages = np.unique(np.linspace(0, model.sites, 9).round().astype(int))
    fig, axes = plt.subplots(1, temps.size, figsize=(5 * temps.size, 4.5), constrained_layout=True)
    for ax, i, temperature in zip(np.atleast_1d(axes), range(temps.size), temps, strict=True):
        kt = K_B * temperature
        for j, n in enumerate(coverages):
            colour = plt.cm.viridis(j / max(1, coverages.size - 1))
            ax.plot(split["mu"], -kt * exact[i, :, n], color=colour,
                    label=f"θ = {n / model.sites:.2f}")  # fmt: skip
            if predicted is not None:
                ax.plot(split["mu"][::3], -kt * predicted[i, ::3, n], ".", color=colour)
        ax.set(xlabel="μ (eV)", ylabel="F_i = -kT ln P_i (eV)", title=f"T = {temperature:g} K",
               ylim=(-0.02, 1.0))  # fmt: skip
    np.atleast_1d(axes)[0].legend(fontsize=7, title="lines exact, dots predicted")
    return _save(fig, out_dir / "free_energy_curves.png")
