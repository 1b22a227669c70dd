"""Figure pieces shared by the tasks' plotters (matplotlib, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def panel_row(
    axes,
    reference: np.ndarray,
    predicted: np.ndarray,
    extent,
    labels,
    title: str,
    reference_name: str = "exact",
) -> None:
    """Three image panels: reference, predicted (same colour scale) and their difference.

    Images are indexed (first axis → horizontal, second → vertical).
    """
    vmin = float(min(reference.min(), predicted.min()))
    vmax = float(max(reference.max(), predicted.max()))
    difference = predicted - reference
    limit = float(np.max(np.abs(difference))) or 1.0
    panels = [
        (reference, f"{reference_name} {title}", "viridis", vmin, vmax),
        (predicted, f"predicted {title}", "viridis", vmin, vmax),
        (difference, f"predicted − {reference_name}", "RdBu_r", -limit, limit),
    ]
    for ax, (image, name, cmap, low, high) in zip(axes, panels, strict=True):
        shown = ax.imshow(
            image.T, origin="lower", extent=extent, aspect="auto", cmap=cmap, vmin=low, vmax=high
        )
        ax.set(title=name, xlabel=labels[0], ylabel=labels[1])
        plt.colorbar(shown, ax=ax)
