"""Figures of the TDDFT task: n(x, t) maps, particle number and dipole, error per frame."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from tasks.plotting import panel_row
from tasks.tddft.evaluator import number_and_dipole

SHOWN_SYSTEMS = 3


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """Maps and observables of the first test systems, and the MAE of every frame."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    reference, predicted = split["density"], np.asarray(predictions["density"], float)
    t, score_from = split["t"], int(split["score_from"])
    paths = []
    for i in range(min(SHOWN_SYSTEMS, len(reference))):
        paths.append(_system_figure(reference[i], predicted[i], split, i, out_dir))
    fig, ax = plt.subplots(figsize=(5, 3.5))
    frame_mae = np.mean(np.abs(predicted - reference), axis=(0, 2))
    ax.plot(t[score_from:], frame_mae[score_from:], marker=".")
    if np.all(frame_mae[score_from:] > 0):
        ax.set_yscale("log")
    ax.set(xlabel="t (ħ/E_h)", ylabel="density MAE over test systems", title="rollout error")
    fig.tight_layout()
    paths.append(out_dir / "mae_per_frame.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)
    return paths


def _system_figure(
    reference: np.ndarray,
    predicted: np.ndarray,
    split: Mapping[str, np.ndarray],
    index: int,
    out_dir: Path,
) -> Path:
    x, t, score_from = split["x"], split["t"], int(split["score_from"])
    z1, z2, d = split["params"][index]
    fig = plt.figure(figsize=(15, 7))
    top = [fig.add_subplot(2, 3, k) for k in (1, 2, 3)]
    extent = (x[0], x[-1], t[0], t[-1])
    panel_row(
        top, reference.T, predicted.T, extent, ("x (bohr)", "t (ħ/E_h)"), "n(x, t)",
        reference_name="reference",
    )  # fmt: skip
    number_ref, dipole_ref = number_and_dipole(reference, x)
    number_pred, dipole_pred = number_and_dipole(predicted, x)
    for k, (name, ref, pred) in enumerate(
        [("N(t)", number_ref, number_pred), ("μ(t) (bohr)", dipole_ref, dipole_pred)]
    ):
        ax = fig.add_subplot(2, 3, 4 + k)
        ax.plot(t, ref, label="reference")
        ax.plot(t, pred, "--", label="prediction")
        ax.axvline(t[score_from], color="grey", lw=0.8, label="first scored frame")
        ax.set(xlabel="t (ħ/E_h)", ylabel=name)
        ax.legend(fontsize=8)
    ax = fig.add_subplot(2, 3, 6)
    ax.plot(x, reference[-1], label="reference")
    ax.plot(x, predicted[-1], "--", label="prediction")
    ax.set(xlabel="x (bohr)", ylabel="n (1/bohr)", title=f"last frame, t = {t[-1]:.3g}")
    ax.legend(fontsize=8)
    fig.suptitle(f"test system {index}: Z1 = {z1:.3g}, Z2 = {z2:.3g}, d = {d:.3g} bohr")
    fig.tight_layout()
    path = out_dir / f"system{index}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
