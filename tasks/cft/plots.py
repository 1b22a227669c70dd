"""Figures of the cft task: predicted vs exact values, and the Pareto front with the choice."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from tasks.cft.evaluator import targets

MAX_TITLE = 160  # longer LaTeX titles are unreadable (and may exceed mathtext)


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """``fit.png``: predicted against exact targets (training and held-out rows) and the
    front's training MSE against complexity, the chosen expression marked."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    for part, marker in (("train", "o"), ("heldout", "s")):
        exact = targets(split, part)
        left.plot(exact, predictions[f"{part}_pred"], marker, ms=3, alpha=0.6, label=part)
    bounds = [float(np.min(targets(split, "heldout"))), float(np.max(targets(split, "heldout")))]
    left.plot(bounds, bounds, "k--", lw=0.8)
    latex = str(predictions["latex"])
    title = f"${latex}$" if len(latex) <= MAX_TITLE else "chosen expression: see predictions.npz"
    left.set(xlabel="exact", ylabel="predicted", title=title)
    left.legend()
    complexity, mse = predictions["front_complexity"], predictions["front_mse"]
    floor = np.maximum(mse, 1e-32)
    right.semilogy(complexity, floor, "o", label="front")
    chosen = int(predictions["selected"])
    right.semilogy(complexity[chosen], floor[chosen], "r*", ms=14, label="chosen")
    right.set(
        xlabel="complexity (nodes)", ylabel="training MSE", title=str(predictions["selection_rule"])
    )
    right.legend()
    path = out_dir / "fit.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
