"""Figures of the KS inversion task: predicted vs exact v_xc and the re-solved density."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from baselines.ks_inversion.ks_solve import ks_density

SHOWN_SYSTEMS = 4


def plot_predictions(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray], out_dir: Path
) -> list[Path]:
    """One figure per shown test system (the first predicted ones): v_xc and n(x)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    predicted = np.asarray(predictions["v_xc"], float)
    shown = np.flatnonzero(np.all(np.isfinite(predicted), axis=1))[:SHOWN_SYSTEMS]
    x, paths = split["x"], []
    for i in shown:
        z1, z2, d = split["params"][i]
        fig, (ax_v, ax_n) = plt.subplots(1, 2, figsize=(11, 4))
        ax_v.plot(x, split["v_xc"][i], label="exact")
        ax_v.plot(x, predicted[i], "--", label="predicted")
        ax_v.set(xlabel="x (bohr)", ylabel="v_xc (Ha)", title="exchange–correlation potential")
        ax_v.legend()
        v_s = split["v_ext"][i] + split["v_h"][i] + predicted[i]
        resolved = ks_density(x, v_s, int(split["stencil"]))
        ax_n.plot(x, split["density"][i], label="exact n")
        ax_n.plot(x, resolved, "--", label="KS density of predicted v_xc")
        ax_n.set(xlabel="x (bohr)", ylabel="n (1/bohr)", title="physics check")
        ax_n.legend()
        fig.suptitle(f"test system {i}: Z1 = {z1:.3g}, Z2 = {z2:.3g}, d = {d:.3g} bohr")
        fig.tight_layout()
        paths.append(out_dir / f"system{i}.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths
