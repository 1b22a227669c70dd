"""Cost–accuracy frontier of the TDDFT task: the task's report hook.

``exactbench report experiment=tddft_fno`` runs, in one process and on the first ``n_systems``
test systems:

- every propagator scheme (``baselines.tddft.propagators``) at every internal step ``dt``
  (ħ/E_h) and grid of ``nx`` points over the task's box: on the test grid as
  :class:`~baselines.tddft.solvers.ReferencePropagator` runs it, on any other grid as
  :class:`~baselines.tddft.solvers.CoarsePropagator` does (the orbital splined back);
- the reference setting itself (``task.physics.reference`` on the test grid);
- the autoregressive FNO of each trained run in ``fno_runs`` (rebuilt from its ``result.json``
  and ``checkpoints/last.ckpt``), labelled by its T_in.

Each row gets the evaluator's ``density_mae`` (electrons/bohr, frames ≥ ``score_from``, against
the split's reference movies) and two costs in seconds per propagated frame per system:

- *single*: one system after another in this process, one BLAS and one torch thread;
- *batched*: all systems in one call, the propagators over every core with
  :func:`~baselines.parallel.map_systems` exactly as the baselines run (process pool start
  included), the FNO as one batch on every core's torch threads.

A propagator's frames are the ``n_frames - 1`` it propagates from its ground state (whose SCF,
and off the test grid the spline, are part of its cost); an FNO's are the frames it rolls out
(``propagated_frames``). Wall times (``time.perf_counter``) are the best of up to ``repeats``
calls, repeated only while the calls so far took less than ``repeat_below`` seconds (so only the
cheap methods are repeated); the FNO gets one untimed warm-up call. Every cost is also given
relative to the reference setting's, measured in the same run.

Written to ``out_dir``: ``frontier.csv`` (one row per method and setting) and ``frontier.png``
(MAE against cost, log–log, one panel per cost, Pareto fronts as step lines). Printed: a table
of the reference, the FNOs and the rows on either front, and one sentence per FNO run (on each
front? if not, which propagator setting beats it).
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from baselines.parallel import default_workers
from baselines.tddft.propagators import PROPAGATORS
from baselines.tddft.simulate import simulate_system
from baselines.tddft.solvers import (
    CoarsePropagator,
    ReferencePropagator,
    coarse_movie,
    physics_of_split,
)
from tasks.measurement import best_time, limited_threads, trained_model
from tasks.tddft.evaluator import evaluate
from tasks.tddft.fno import AutoregressiveFNO
from tasks.tddft.spec import SPEC

PASS_RUNS = (
    "pass task.report.fno_runs=[<run directory of `exactbench train experiment=tddft_fno`>, ...] "
    "(each with result.json and checkpoints/last.ckpt, trained on this task.physics grid)"
)
SYSTEM_AXIS = ("params", "observed_density", "density")  # split arrays indexed by system first
COSTS = {"single": "one system at a time, 1 thread", "batched": "all systems, every core"}
FILES = ("frontier.csv", "frontier.png")
CSV_NAMES = {  # CSV columns of the Row fields that are named briefly in code
    "single": "seconds_per_frame_single",
    "batched": "seconds_per_frame_batched",
    "single_vs_reference": "single_ratio_to_reference",
    "batched_vs_reference": "batched_ratio_to_reference",
    "front_single": "pareto_front_single",
    "front_batched": "pareto_front_batched",
}
MARKERS = {"crank_nicolson": "o", "exp_mid": "s", "etrs": "^", "aetrs": "D"}


@dataclass(frozen=True)
class Setting:
    """A propagator setting: ``scheme``, internal step ``dt`` (ħ/E_h), ``nx`` grid points."""

    scheme: str
    dt: float
    nx: int


@dataclass
class Row:
    """One method on the test systems (costs in seconds per frame per system).

    Attributes:
        method: ``reference``, ``propagator`` or ``fno``.
        scheme: the propagator scheme, or ``T_in=<t_in>`` of an FNO.
        dt: internal step (ħ/E_h); NaN for an FNO.
        nx: grid points the method propagates on (an FNO: the test grid).
        density_mae: the evaluator's density MAE (electrons/bohr).
        single, batched: seconds per frame per system (see the module docstring).
        single_vs_reference, batched_vs_reference: those costs over the reference's.
        front_single, front_batched: on the Pareto front of (cost, MAE) of that cost.
        workers: processes (propagators) or torch threads (FNO) of the batched cost.
    """

    method: str
    scheme: str
    dt: float
    nx: int
    density_mae: float
    single: float
    batched: float
    single_vs_reference: float = math.nan
    batched_vs_reference: float = math.nan
    front_single: bool = False
    front_batched: bool = False
    workers: int = 1

    @property
    def label(self) -> str:
        if self.method == "fno":
            return f"FNO {self.scheme}"
        return f"{self.method} {self.scheme} dt={self.dt:g} nx={self.nx}"


def frontier_report(
    split: Mapping[str, np.ndarray],
    out_dir: Path,
    physics: Mapping[str, Any],
    schemes: Sequence[str],
    dt: Sequence[float],
    nx: Sequence[int],
    n_systems: int = 8,
    fno_runs: Sequence[str] | None = None,
    repeats: int = 3,
    repeat_below: float = 0.5,
) -> list[Path]:
    """Measure every method, write ``frontier.csv`` and ``frontier.png``, print the verdicts.

    Args:
        split: every array of the test split (inputs and reference movies).
        out_dir: directory of the written files.
        physics: the task's physics (``task.physics``): box, laser, softening, reference.
        schemes: propagator schemes (keys of ``baselines.tddft.propagators.PROPAGATORS``).
        dt: internal time steps (ħ/E_h), each shortened to divide the frame interval.
        nx: grid points over the box (the test grid's count: no interpolation).
        n_systems: the first this many test systems (all if fewer) are propagated and scored.
        fno_runs: run directories of trained tddft_fno runs (None or empty: no FNO rows).
        repeats: most timed calls of one method in one mode (the best is kept).
        repeat_below: calls are repeated while they took less than this in all (s).
    """
    unknown = sorted(set(schemes) - set(PROPAGATORS))
    if unknown or repeats < 1 or not (dt and nx):
        raise SystemExit(
            f"task.report needs schemes among {sorted(PROPAGATORS)} (unknown: {unknown}), "
            f"non-empty dt and nx lists and repeats ≥ 1"
        )
    models = [trained_fno(Path(run), physics) for run in fno_runs or ()]  # fail before timing
    inputs, scoring = first_systems(split, n_systems)
    grid_nx = len(inputs["x"])
    reference = physics["reference"]
    settings = [
        Setting(str(reference["propagator"]), float(reference["dt"]), grid_nx),
        *(Setting(str(s), float(d), int(n)) for s in schemes for d in dt for n in nx),
    ]
    load_before, start = os.getloadavg()[0], time.perf_counter()
    rows = measure_all(settings, models, physics, inputs, scoring, repeats, repeat_below)
    finish_rows(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(format_table(rows, len(inputs["params"]), grid_nx))
    for row in rows:
        if row.method == "fno":
            print(fno_verdict(row, rows))
    print(
        f"measured in {time.perf_counter() - start:.0f} s; 1-min load average "
        f"{load_before:.2f} → {os.getloadavg()[0]:.2f}; batched on {default_workers()} workers"
    )
    return [write_csv(rows, out_dir / FILES[0]), plot_frontier(rows, out_dir / FILES[1])]


def first_systems(
    split: Mapping[str, np.ndarray], n_systems: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Predictor inputs (the spec's inputs only) and every array of the first ``n_systems``
    test systems (all of them if the split has fewer)."""
    if n_systems < 1:
        raise SystemExit(f"task.report.n_systems must be ≥ 1, got {n_systems}")
    scoring = {
        key: np.asarray(value)[:n_systems] if key in SYSTEM_AXIS else np.asarray(value)
        for key, value in split.items()
    }
    return {key: scoring[key] for key in SPEC.inputs}, scoring


def measure_all(
    settings: Sequence[Setting],
    models: Sequence[AutoregressiveFNO],
    physics: Mapping[str, Any],
    inputs: Mapping[str, np.ndarray],
    scoring: Mapping[str, np.ndarray],
    repeats: int,
    repeat_below: float,
) -> list[Row]:
    """Rows of the settings (the first is the reference) and of the FNOs, with a progress bar."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    rows = []
    # No automatic refresh: a redraw thread would take turns with the single-thread timings.
    with Progress(*columns, transient=False, auto_refresh=False) as progress:
        bar = progress.add_task("cost–accuracy frontier", total=len(settings) + len(models))
        for k, setting in enumerate(settings):
            method = "reference" if k == 0 else "propagator"
            rows.append(
                measure_propagator(method, setting, physics, inputs, scoring, repeats, repeat_below)
            )
            progress.update(bar, advance=1, refresh=True)
        for model in models:  # after the process pools: no fork of a process with torch threads
            rows.append(measure_fno(model, inputs, scoring, repeats, repeat_below))
            progress.update(bar, advance=1, refresh=True)
    return rows


def system_items(
    setting: Setting, physics: Mapping[str, Any], inputs: Mapping[str, np.ndarray]
) -> tuple[Callable[[Any], dict[str, np.ndarray]], list[tuple]]:
    """The per-system function and items the baselines map for ``setting``: the reference's
    ``simulate_system`` on the test grid, ``CoarsePropagator``'s ``coarse_movie`` elsewhere."""
    grid = physics_of_split(physics, inputs, setting.scheme, setting.dt)
    x = np.asarray(inputs["x"], float)
    params = np.asarray(inputs["params"], float)
    if setting.nx == x.size:
        return simulate_system, [(row, grid) for row in params]
    grid["nx"] = setting.nx
    return coarse_movie, [(row, grid, x) for row in params]


def batched_propagator(
    setting: Setting, physics: Mapping[str, Any], grid_nx: int
) -> ReferencePropagator | CoarsePropagator:
    """The baseline class that propagates ``setting`` on every core."""
    if setting.nx == grid_nx:
        return ReferencePropagator(physics, setting.scheme, setting.dt)
    return CoarsePropagator(physics, setting.scheme, setting.dt, setting.nx)


def measure_propagator(
    method: str,
    setting: Setting,
    physics: Mapping[str, Any],
    inputs: Mapping[str, np.ndarray],
    scoring: Mapping[str, np.ndarray],
    repeats: int,
    repeat_below: float,
) -> Row:
    """Row ``method`` (reference or propagator) of ``setting``; MAE of the batched movies."""
    function, items = system_items(setting, physics, inputs)

    def one_at_a_time() -> list[dict[str, np.ndarray]]:
        with limited_threads(1):
            return [function(item) for item in items]

    single, _ = best_time(one_at_a_time, repeats, repeat_below)
    solver = batched_propagator(setting, physics, len(inputs["x"]))
    batched, predictions = best_time(lambda: solver.predict(inputs), repeats, repeat_below)
    frames = len(items) * int(predictions["propagated_frames"])
    mae = evaluate(predictions, scoring)["density_mae"]
    return Row(method, setting.scheme, setting.dt, setting.nx, mae, single / frames,
               batched / frames, workers=default_workers())  # fmt: skip


def measure_fno(
    model: AutoregressiveFNO,
    inputs: Mapping[str, np.ndarray],
    scoring: Mapping[str, np.ndarray],
    repeats: int,
    repeat_below: float,
) -> Row:
    """MAE and single / batched cost of one FNO (one warm-up call before each timing)."""
    per_system = [
        {key: value[i : i + 1] if key in SYSTEM_AXIS else value for key, value in inputs.items()}
        for i in range(len(inputs["params"]))
    ]

    def one_at_a_time() -> list[dict[str, np.ndarray]]:
        return [model.predict_split(system) for system in per_system]

    with limited_threads(1):
        model.predict_split(per_system[0])
        single, _ = best_time(one_at_a_time, repeats, repeat_below)
    workers = default_workers()
    with limited_threads(workers):
        model.predict_split(inputs)
        batched, predictions = best_time(lambda: model.predict_split(inputs), repeats, repeat_below)
    frames = len(per_system) * int(predictions["propagated_frames"])
    mae = evaluate(predictions, scoring)["density_mae"]
    return Row("fno", f"T_in={model.t_in}", math.nan, len(inputs["x"]), mae, single / frames,
               batched / frames, workers=workers)  # fmt: skip


def trained_fno(run_dir: Path, physics: Mapping[str, Any]) -> AutoregressiveFNO:
    """The FNO of a tddft_fno run (``tasks.measurement.trained_model``), refused in one line
    unless it was trained on the box, grid and frame interval of ``physics``."""
    return trained_model(
        run_dir, SPEC.name, AutoregressiveFNO,
        lambda trained_on: training_grid(trained_on) == training_grid(physics),
        f"fno_runs: {PASS_RUNS}",
    )  # fmt: skip


def training_grid(physics: Mapping[str, Any]) -> dict[str, Any]:
    """What an FNO run must share with the report: box (bohr), nx, frame interval (ħ/E_h)."""
    frames = physics.get("frames") or {}
    box = physics.get("box")
    return {
        "box": [float(edge) for edge in box] if box else None,
        "nx": physics.get("nx"),
        "frame dt": frames.get("dt"),
    }


def pareto_front(cost: np.ndarray, error: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats, by increasing cost.

    Point j beats point i when cost_j ≤ cost_i and error_j ≤ error_i with one inequality
    strict; of exact duplicates the first is kept. Non-finite points are left out. Written here
    because NumPy and SciPy have no Pareto routine (optuna's is private): in two objectives
    the front is a sort by (cost, error) and a running minimum of the error.
    """
    cost, error = np.asarray(cost, float), np.asarray(error, float)
    finite = np.flatnonzero(np.isfinite(cost) & np.isfinite(error))
    front, lowest = [], math.inf
    for i in finite[np.lexsort((error[finite], cost[finite]))]:
        if error[i] < lowest:
            front.append(int(i))
            lowest = error[i]
    return np.array(front, dtype=int)


def beats(a: Row, b: Row, cost: str) -> bool:
    """Whether ``a`` beats ``b`` in (``cost``, MAE): no worse in both, better in one."""
    mine, theirs = (getattr(a, cost), a.density_mae), (getattr(b, cost), b.density_mae)
    return mine[0] <= theirs[0] and mine[1] <= theirs[1] and mine != theirs


def finish_rows(rows: list[Row]) -> None:
    """Fill the ratios to the reference (the first row) and the Pareto-front flags."""
    reference = rows[0]
    for cost in COSTS:
        front = set(pareto_front([getattr(r, cost) for r in rows], [r.density_mae for r in rows]))
        for k, row in enumerate(rows):
            setattr(row, f"{cost}_vs_reference", getattr(row, cost) / getattr(reference, cost))
            setattr(row, f"front_{cost}", k in front)


def fno_verdict(row: Row, rows: Sequence[Row]) -> str:
    """One sentence: is the FNO on each Pareto front, and if not, which setting beats it."""
    parts = []
    for cost in COSTS:
        spent = f"{getattr(row, cost):.2g} s/frame"
        if getattr(row, f"front_{cost}"):
            parts.append(f"on the {cost} Pareto front ({spent})")
            continue
        rivals = [r for r in rows if r.method != "fno" and beats(r, row, cost)]
        if not rivals:
            parts.append(f"off the {cost} front ({spent}), beaten only by other FNO runs")
            continue
        cheapest = min(rivals, key=lambda r: getattr(r, cost))
        parts.append(
            f"off the {cost} front ({spent}): {len(rivals)} propagator setting(s) beat it, the "
            f"cheapest {cheapest.label} (MAE {cheapest.density_mae:.2g}, "
            f"{getattr(cheapest, cost):.2g} s/frame)"
        )
    return f"{row.label} (MAE {row.density_mae:.2g}) is " + "; ".join(parts) + "."


def format_table(rows: Sequence[Row], n_systems: int, grid_nx: int) -> str:
    """The reference, the FNOs and the rows on either front, by increasing single cost;
    ``S``/``B``: on the single / batched front."""
    shown = [r for r in rows if r.method != "propagator" or r.front_single or r.front_batched]
    lines = [
        f"TDDFT cost–accuracy frontier, {n_systems} test systems on {grid_nx} points: the "
        f"reference, FNOs and Pareto-front rows ({len(shown)} of {len(rows)}; all in "
        f"{FILES[0]}); costs in s per frame per system and relative to the reference",
        f"{'method':<12} {'scheme':<15} {'dt':>6} {'nx':>4} {'density MAE':>11} "
        f"{'single':>9} {'×ref':>7} {'batched':>9} {'×ref':>7}  front",
    ]
    for row in sorted(shown, key=lambda r: r.single):
        front = ("S" if row.front_single else "-") + ("B" if row.front_batched else "-")
        lines.append(
            f"{row.method:<12} {row.scheme:<15} {row.dt:>6.3g} {row.nx:>4} "
            f"{row.density_mae:>11.3g} {row.single:>9.3g} {row.single_vs_reference:>7.3g} "
            f"{row.batched:>9.3g} {row.batched_vs_reference:>7.3g}  {front}"
        )
    return "\n".join(lines)


def write_csv(rows: Sequence[Row], path: Path) -> Path:
    """One CSV row per method and setting (MAE in electrons/bohr, costs in s/frame/system)."""
    columns = [CSV_NAMES.get(f.name, f.name) for f in fields(Row)]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([getattr(row, f.name) for f in fields(Row)])
    return path


def plot_frontier(rows: Sequence[Row], path: Path) -> Path:
    """MAE against single and batched cost (log–log), Pareto fronts as step lines."""
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.5), sharey=True, layout="constrained")
    grids = sorted({r.nx for r in rows if r.method != "fno"})
    colours = {n: f"C{k}" for k, n in enumerate(grids)}
    for ax, (cost, meaning) in zip(axes, COSTS.items(), strict=True):
        _frontier_panel(ax, rows, cost, colours)
        ax.set(xlabel=f"seconds per frame per system ({meaning})", title=f"{cost} cost")
    axes[0].set_ylabel("density MAE (electrons/bohr)")
    handles = [Line2D([], [], ls="", marker=m, mfc="none", mec="k", label=s)
               for s, m in MARKERS.items()]  # fmt: skip
    handles += [Line2D([], [], ls="", marker="o", color=c, label=f"nx = {n}")
                for n, c in colours.items()]  # fmt: skip
    handles += [
        Line2D([], [], ls="", marker="*", ms=12, color="k", label="FNO (T_in)"),
        Line2D([], [], ls="--", color="grey", label=f"{rows[0].label} (its cost, MAE 0)"),
        Line2D([], [], ls="-", color="k", lw=1, label="Pareto front"),
    ]
    fig.legend(handles=handles, fontsize=8, loc="outside right upper")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _frontier_panel(ax, rows: Sequence[Row], cost: str, colours: Mapping[int, str]) -> None:
    """One panel: every row of positive MAE, the front of ``cost``, the reference's cost."""
    shown = [r for r in rows if r.density_mae > 0 and np.isfinite(r.density_mae)]
    for row in shown:
        x = getattr(row, cost)
        if row.method == "fno":
            ax.plot(x, row.density_mae, "*", ms=14, color="k")
            ax.annotate(row.scheme, (x, row.density_mae), xytext=(5, 5),
                        textcoords="offset points", fontsize=8)  # fmt: skip
        else:
            ax.plot(x, row.density_mae, MARKERS.get(row.scheme, "x"), mfc="none",
                    mec=colours[row.nx], ms=7)  # fmt: skip
    ax.axvline(getattr(rows[0], cost), ls="--", color="grey")
    ax.set(xscale="log", yscale="log")
    ax.xaxis.set_minor_formatter(NullFormatter())  # decade labels only: they would overlap
    ax.grid(True, which="major", alpha=0.3)
    _front_steps(ax, rows, cost)


def _front_steps(ax, rows: Sequence[Row], cost: str) -> None:
    """The front of ``cost`` as a step line; a zero-MAE member (the reference) ends it with a
    drop to the bottom of the log axis at its cost."""
    front = sorted((r for r in rows if getattr(r, f"front_{cost}")), key=lambda r: getattr(r, cost))
    x = [getattr(r, cost) for r in front if r.density_mae > 0]
    y = [r.density_mae for r in front if r.density_mae > 0]
    exact = [getattr(r, cost) for r in front if r.density_mae == 0]
    if exact and y:
        bottom = ax.get_ylim()[0]
        x, y = [*x, exact[0], exact[0]], [*y, y[-1], bottom]
        ax.set_ylim(bottom=bottom)
    ax.step(x, y, where="post", color="k", lw=1)
    for row in front:
        if row.method != "fno" and row.density_mae > 0:
            ax.annotate(f"dt={row.dt:g}", (getattr(row, cost), row.density_mae),
                        xytext=(4, -9), textcoords="offset points", fontsize=6)  # fmt: skip
