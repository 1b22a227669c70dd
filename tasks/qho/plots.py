"""Figures of the oscillator task: exact / predicted / difference panels saved as PNG."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from tasks.plotting import panel_row
from tasks.qho.evaluator import AXIS_NAMES


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """Density maps n(x, t) per test ω (1D) or density and slice planes (2D/3D)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    axis, times = split["axis"], split["t"]
    density = split["u"] ** 2 + split["v"] ** 2
    density_pred = predictions["u"] ** 2 + predictions["v"] ** 2
    dim = split["u"].ndim - 2
    if dim == 1:
        return [
            _save_density_xt(density[i], density_pred[i], axis, times, omega, out_dir)
            for i, omega in enumerate(split["omega"])
        ]
    return [_save_planes(split, predictions, density, density_pred, out_dir)]


def _save_density_xt(exact, predicted, axis, times, omega, out_dir: Path) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
    extent = (axis[0], axis[-1], times[0], times[-1])
    panel_row(axes, exact.T, predicted.T, extent, ("x (bohr)", "t (ħ/E_h)"), "density")
    fig.suptitle(f"|ψ(x, t)|², ω = {omega:g}")
    path = out_dir / f"density_xt_omega{omega:g}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _save_planes(split, predictions, density, density_pred, out_dir: Path) -> Path:
    """Density in the plane through the origin at mid-time, then (u, v) on each 3D slice."""
    axis, times = split["axis"], split["t"]
    dim = density.ndim - 2
    mid_t, origin = len(times) // 2, int(np.argmin(np.abs(axis)))
    rows = [
        ("density", (0, mid_t) + (slice(None),) * 2 + (origin,) * (dim - 2), "xy", times[mid_t])
    ]
    for axis_index, coordinate, t in split["slices"] if dim == 3 else []:  # 2D slices are lines
        k, i_t = int(axis_index), int(np.argmin(np.abs(times - t)))
        index = (0, i_t) + (slice(None),) * k + (int(np.argmin(np.abs(axis - coordinate))),)
        plane = "".join(name for j, name in enumerate(AXIS_NAMES[:dim]) if j != k)
        rows += [(field, index, plane, times[i_t]) for field in ("u", "v")]
    fields = {
        "density": (density, density_pred),
        "u": (split["u"], predictions["u"]),
        "v": (split["v"], predictions["v"]),
    }
    fig, axes = plt.subplots(len(rows), 3, figsize=(15, 4 * len(rows)), squeeze=False)
    extent = (axis[0], axis[-1], axis[0], axis[-1])
    for ax_row, (field, index, plane, t) in zip(axes, rows, strict=True):
        exact, predicted = fields[field]
        labels = (f"{plane[0]} (bohr)", f"{plane[1]} (bohr)")
        panel_row(ax_row, exact[index], predicted[index], extent, labels, f"{field}, t={t:.3g}")
    fig.tight_layout()
    path = out_dir / "slices.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
