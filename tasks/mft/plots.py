"""Figures of the ``mft`` task: simulation, exact formulas and predictions side by side."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def _panels(n: int):
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 3.6), squeeze=False)
    return fig, axes[0]


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """Scaling functions, two-time correlations at the last t2, and step mean currents."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t, r, cases = split["t"], split["r"], split["case"]
    equilibrium = np.flatnonzero(split["system_role"] == "equilibrium")
    steps = np.flatnonzero(split["system_role"] == "step")
    paths = []

    fig, axes = _panels(len(cases))
    for ax, s in zip(axes, equilibrium, strict=True):
        c = split["system_case"][s]
        i, j = np.triu_indices(len(t))
        ax.errorbar(
            t[i] / t[j], split["corr"][s][i, j] / np.sqrt(t[j]),
            yerr=split["corr_err"][s][i, j] / np.sqrt(t[j]), fmt=".", ms=3, alpha=0.6,
            label="simulation C/√t2",
        )  # fmt: skip
        ax.plot(r, split["scaling_exact"][c], "k-", label="exact f")
        ax.plot(r, predictions["scaling"][c], "r--", label="predicted f")
        ax.set(title=str(cases[c]), xlabel="r = t1/t2", ylabel="f(r)")
        ax.legend(fontsize=7)
    paths.append(_save(fig, out_dir / "scaling_function.png"))

    fig, axes = _panels(len(cases))
    for ax, s in zip(axes, equilibrium, strict=True):
        ax.errorbar(t, split["corr"][s][:, -1], yerr=split["corr_err"][s][:, -1], fmt="o", ms=3,
                    label="simulation")  # fmt: skip
        ax.plot(t, split["corr_exact"][s][:, -1], "k-", label="exact")
        ax.plot(t, predictions["corr"][s][:, -1], "r--", label="predicted")
        ax.set(title=str(split["system"][s]), xlabel="t1", ylabel=f"C(t1, {t[-1]:g})")
        ax.legend(fontsize=7)
    paths.append(_save(fig, out_dir / "two_time_correlation.png"))

    fig, axes = _panels(len(steps))
    for ax, s in zip(axes, steps, strict=True):
        ax.errorbar(t, split["cumulants"][s, 0], yerr=split["cumulants_err"][s, 0], fmt="o",
                    ms=3, label="simulation")  # fmt: skip
        ax.plot(t, split["mean_exact"][s], "k-", label="exact")
        ax.plot(t, predictions["mean"][s], "r--", label="predicted")
        ax.set(title=str(split["system"][s]), xlabel="t", ylabel="⟨Q(t)⟩")
        ax.legend(fontsize=7)
    paths.append(_save(fig, out_dir / "step_mean_current.png"))
    return paths
