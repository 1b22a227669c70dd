"""The formula report: which formulas of the draft hold against simulation, and by how much.

:func:`write_formula_report` checks every formula of
:data:`baselines.mft.formulas.REGISTRY` (and the exact lattice results that validate the
simulators, :data:`~baselines.mft.formulas.LATTICE_REFERENCES`) on every simulated system it
claims to describe (:mod:`baselines.mft.check`), and writes ``formula_report.md`` (tables
with z-scores, relative deviations and verdicts, plus the simulation's size and cost) and
``formula_checks.png`` (simulation with error bars against each formula).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from baselines.mft.check import check_all
from baselines.mft.formulas import LATTICE_REFERENCES, REGISTRY, Formula, System

COLUMNS = (
    ("formula", "formula"),
    ("system", "system"),
    ("observable", "observable"),
    ("points", "points"),
    ("max_abs_z", "max abs z"),
    ("chi2_per_point", "χ²/point"),
    ("max_abs_rel", "max rel. dev."),
    ("r_first", "rel. dev. first t"),
    ("r_last", "rel. dev. last t"),
    ("verdict", "verdict"),
)


def split_systems(split: Mapping[str, np.ndarray]) -> list[tuple[str, System]]:
    """(name, System) of every simulated system of the split."""
    return [
        (str(name), System(str(model), str(setting), float(a), float(b)))
        for name, model, setting, a, b in zip(
            split["system"], split["model"], split["setting"], split["rho_a"], split["rho_b"],
            strict=True,
        )
    ]  # fmt: skip


def split_statistics(split: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """Per-system estimates and errors in the layout :mod:`baselines.mft.check` reads."""
    keys = ("cumulants", "cumulants_err", "corr", "corr_err")
    return [{key: split[key][s] for key in keys} for s in range(len(split["system"]))]


def formula_rows(
    split: Mapping[str, np.ndarray],
    t_min: float,
    z_max: float,
    rel_tol: float,
    registry: Sequence[Formula] = REGISTRY,
) -> list[dict]:
    """Check rows of ``registry`` against the split's simulated systems."""
    return check_all(
        split_systems(split), split["t"], split_statistics(split), t_min, z_max, rel_tol, registry
    )


def _format(value) -> str:
    if isinstance(value, float):
        return "–" if not np.isfinite(value) else f"{value:.3g}"
    return str(value)


def markdown_table(rows: Sequence[Mapping]) -> str:
    """A Markdown table of check rows."""
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_format(row[key]) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def simulation_summary(split: Mapping[str, np.ndarray]) -> str:
    """Samples and events per system, box size and its end-effect bound."""
    lines = [
        f"Recording times t = {', '.join(f'{t:g}' for t in split['t'])} (inverse hop rates). "
        f"Box: {2 * int(split['half_width'])} sites; probability bound that a walk from the "
        f"central bond reaches a box end by the last time: {float(split['end_effect_bound']):.2g}.",
        "",
        "| system | samples | events (walker moves / SSEP bond clock rings) |",
        "|---|---|---|",
    ]
    for name, n, events in zip(split["system"], split["n_samples"], split["events"], strict=True):
        lines.append(f"| {name} | {n} | {events:.3g} |")
    return "\n".join(lines)


def plot_checks(
    split: Mapping[str, np.ndarray],
    rows: Sequence[Mapping],
    registry: Sequence[Formula],
    path: Path,
) -> Path:
    """One panel per formula: simulation / formula against t (diagonal for correlations),
    with error bars, one series per system it is checked on."""
    formulas = {f.key: f for f in registry}
    systems = dict(split_systems(split))
    index = {name: s for s, name in enumerate(split["system"])}
    keys = list(dict.fromkeys(row["formula"] for row in rows))
    cols = min(4, len(keys)) or 1
    n_rows = max(1, -(-len(keys) // cols))
    fig, axes = plt.subplots(n_rows, cols, figsize=(4.2 * cols, 3.2 * n_rows), squeeze=False)
    t = split["t"]
    for ax, key in zip(axes.flat, keys, strict=False):
        formula = formulas[key]
        for row in (r for r in rows if r["formula"] == key):
            s = index[row["system"]]
            if formula.observable == "corr":
                est, err = np.diag(split["corr"][s]), np.diag(split["corr_err"][s])
                value = formula.value(systems[row["system"]], t, t)
            else:
                est = split["cumulants"][s, formula.order - 1]
                err = split["cumulants_err"][s, formula.order - 1]
                value = formula.value(systems[row["system"]], t)
            shown = np.abs(value) > 1e-6 * err
            ax.errorbar(t[shown], est[shown] / value[shown], yerr=err[shown] / np.abs(value[shown]),
                        fmt="o-", ms=3, label=f"{row['system']}: {row['verdict']}")  # fmt: skip
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set(xscale="log", xlabel="t", ylabel="simulation / formula", title=key)
        ax.legend(fontsize=6)
    for ax in axes.flat[len(keys) :]:
        ax.axis("off")
    fig.subplots_adjust(hspace=0.45, wspace=0.3)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def write_formula_report(
    split: Mapping[str, np.ndarray], out_dir: Path, t_min: float, z_max: float, rel_tol: float
) -> list[Path]:
    """``formula_report.md`` and the check figures in ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = formula_rows(split, t_min, z_max, rel_tol)
    lattice_rows = formula_rows(split, float(split["t"][0]), z_max, rel_tol, LATTICE_REFERENCES)
    text = [
        "# MFT formula report",
        "",
        f"Each formula against simulation at t ≥ {t_min:g} (pairs t1 ≤ t2 for correlations); "
        f"'holds': max |z| ≤ {z_max:g}; 'holds to <{rel_tol:.0%}': significant but relatively "
        "small deviations (finite-time lattice corrections); 'holds as t→∞': larger "
        "deviations whose relative size falls at least like t^-1/2 (an O(1) correction to a "
        "√t law); 'fails': otherwise. Relative deviations at the first and last time show "
        "how a deviation evolves with t.",
        "",
        markdown_table(rows),
        "",
        "## Simulators against exact lattice results (all times)",
        "",
        markdown_table(lattice_rows),
        "",
        "## Simulation",
        "",
        simulation_summary(split),
        "",
        "## Formulas",
        "",
        *[f"- {f.key} ({f.source}): {f.statement}" for f in (*REGISTRY, *LATTICE_REFERENCES)],
        "",
    ]
    report = out_dir / "formula_report.md"
    report.write_text("\n".join(text))
    figures = [
        plot_checks(split, rows, REGISTRY, out_dir / "formula_checks.png"),
        plot_checks(split, lattice_rows, LATTICE_REFERENCES, out_dir / "lattice_checks.png"),
    ]
    return [report, *figures]
