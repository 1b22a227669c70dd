"""Inference cost of the KS inversion methods side by side: the task's report hook.

``exactbench report experiment=ks_molecule_301`` times, in one run and on the same test
systems, with one setting of torch and BLAS threads:

- the FNO (:class:`~tasks.ks_inversion.fno.KSInversionFNO`): one system per forward pass
  (looped), all test systems in one pass, and ``predict_split`` (chunks of ``predict_batch``);
  best of ``repeats`` after a warm-up call, under ``torch.inference_mode()``. With ``compile``,
  also all systems in one pass through ``torch.compile(fno)``, its one-off compile time noted.
  The weights are those of a trained run (``fno_run``), else an untrained network of the
  configured ``model`` (the cost does not depend on the weights; no MAE then);
- iDEA's iterative reverse engineering as the ``ks_idea`` baseline runs it (its config's
  tolerance, step and CPU budget) on the first ``idea_systems`` test systems, once (slow);
- the analytic inversion (``baselines.ks_inversion.inversion.invert``), one system per call.

Times are wall seconds per system; v_xc MAE (Ha) against the split's exact v_xc. Written to
``out_dir``: ``ks_timing.csv`` (one row per method and mode, with the ratios iDEA / this and
analytic / this), ``ks_timing.json`` (the rows, the ratios, threads, weights, load average)
and ``ks_timing.png``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import Tensor

from baselines.ks_inversion.inversion import invert
from baselines.ks_inversion.solvers import IDEAReverse
from baselines.ks_inversion.systems import Physics
from leaderboard.configs import CONF_DIR
from tasks.ks_inversion.fno import KSInversionFNO
from tasks.ks_inversion.spec import SPEC
from tasks.measurement import best_time, limited_threads, trained_model
from tasks.splits import InputsView

FNO_TARGET = f"{KSInversionFNO.__module__}.{KSInversionFNO.__qualname__}"
IDEA_BASELINE = "ks_idea"
FILES = ("ks_timing.csv", "ks_timing.json", "ks_timing.png")
PASS_RUN = (
    "pass task.report.fno_run=<run directory of `exactbench train experiment=ks_molecule_301`> "
    "(with result.json and checkpoints/last.ckpt), or null to time an untrained FNO"
)


@dataclass(frozen=True)
class Timing:
    """Cost and accuracy of one method in one mode on the test systems.

    Attributes:
        method: ``fno``, ``ks_idea`` or ``ks_analytic``.
        mode: how the systems were passed (one per call, all at once, ...).
        systems: test systems timed.
        repeats: timed repetitions (the best is kept).
        seconds_per_system: wall time per system (s).
        v_xc_mae: mean |Δv_xc| over the grid and those systems (Ha); NaN if not measured.
        note: anything that qualifies the numbers (convergence, untrained weights).
    """

    method: str
    mode: str
    systems: int
    repeats: int
    seconds_per_system: float
    v_xc_mae: float
    note: str = ""


def timing_report(
    split: Mapping[str, np.ndarray],
    out_dir: Path,
    physics: Mapping[str, Any],
    model: Mapping[str, Any],
    fno_run: str | None = None,
    idea_systems: int = 3,
    repeats: int = 5,
    threads: int | None = None,
    compile: bool = False,
) -> list[Path]:
    """Time the FNO, iDEA and the analytic inversion on the test split; write the files.

    Args:
        split: every array of the test split (inputs and references).
        out_dir: directory of ``ks_timing.{csv,json,png}``.
        physics: the task's physics settings (``task.physics``).
        model: the configured model node, timed untrained when ``fno_run`` is None.
        fno_run: run directory of a trained ks_fno run on this task's physics, or None.
        idea_systems: iDEA runs on the first this many test systems.
        repeats: timed repetitions of the FNO and analytic passes (best kept).
        threads: torch and BLAS threads for every method (None: torch's current setting).
        compile: also time the batched pass of ``torch.compile(fno)`` (compiles once, slow).
    """
    if idea_systems < 1 or repeats < 1:
        raise SystemExit("task.report.idea_systems and task.report.repeats must be ≥ 1")
    inputs = predictor_inputs(split)
    exact = np.asarray(split["v_xc"], dtype=float)
    fno, weights = (
        (trained_fno(Path(fno_run), physics), f"trained: {fno_run}")
        if fno_run
        else (untrained_fno(model), f"untrained {model.get('name', 'FNO')} (timing only)")
    )
    load_before = os.getloadavg()
    with limited_threads(threads) as used:
        rows = [
            *time_fno(fno, inputs, exact if fno_run else None, repeats, compile),
            time_idea(inputs, exact, physics, idea_systems),
            time_analytic(inputs, exact, physics, repeats),
        ]
    summary = {
        "systems": len(exact),
        "nx": int(exact.shape[1]),
        "threads": used,
        "fno_weights": weights,
        "load_average_1min": [load_before[0], os.getloadavg()[0]],
        "notes": [
            "ks_analytic has no vectorised mode: baselines.ks_inversion.inversion.invert "
            "inverts one system per call",
            "ks_idea runs once (no repeats); its time includes the gauge fix to ε_KS = -I",
        ],
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = with_ratios(rows)
    print(format_table(table, summary))
    return [
        write_csv(table, out_dir / FILES[0]),
        write_json(table, summary, out_dir / FILES[1]),
        plot_timings(rows, summary, out_dir / FILES[2]),
    ]


def predictor_inputs(split: Mapping[str, np.ndarray]) -> InputsView:
    """The split's inputs as predictors see them (references hidden)."""
    return InputsView(SPEC.name, {key: split[key] for key in SPEC.inputs}, set(SPEC.references))


def untrained_fno(model: Mapping[str, Any]) -> KSInversionFNO:
    """A freshly initialised FNO of the configured ``model`` node (eval mode)."""
    params = dict(model)
    name = params.pop("name", None)
    if params.get("_target_") != FNO_TARGET:
        raise SystemExit(
            f"the ks_inversion timing report times the FNO, the configured model is {name!r}: "
            "pass model=ks_fno"
        )
    return instantiate(params, _convert_="all").eval()


def trained_fno(run_dir: Path, physics: Mapping[str, Any]) -> KSInversionFNO:
    """The FNO of a ks_fno run (``tasks.measurement.trained_model``), refused in one line unless
    it was trained on ``physics``."""
    return trained_model(
        run_dir, SPEC.name, KSInversionFNO, lambda trained_on: _same_physics(trained_on, physics),
        f"fno_run={run_dir}: {PASS_RUN}",
    )  # fmt: skip


def _same_physics(trained_on: Any, physics: Mapping[str, Any]) -> bool:
    """Whether a run's ``task.physics`` (any value) is ``physics`` (box, grid, potentials)."""
    try:
        return Physics.from_mapping(trained_on) == Physics.from_mapping(physics)
    except (TypeError, ValueError):
        return False


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """Shortest wall time (s) of ``repeats`` calls of ``run``, after one untimed warm-up call."""
    return best_time(run, repeats, warm_up=True)[0]


def mae(predicted: np.ndarray, exact: np.ndarray) -> float:
    """Mean |predicted - exact| over the grid and the systems of ``predicted`` (Ha)."""
    predicted = np.asarray(predicted, dtype=float)
    return float(np.mean(np.abs(predicted - exact[: len(predicted)])))


def time_fno(
    fno: KSInversionFNO,
    inputs: Mapping[str, np.ndarray],
    exact: np.ndarray | None,
    repeats: int,
    compile: bool = False,
) -> list[Timing]:
    """FNO seconds per system: one system per pass, all in one pass, ``predict_split``, and
    with ``compile`` all in one pass of ``torch.compile(fno)``.

    ``exact`` (systems, nx) gives the MAE of ``predict_split`` (None: untrained, no MAE).
    """
    density = torch.as_tensor(np.array(inputs["density"], dtype=np.float32))
    count = len(density)
    with torch.inference_mode():
        single = best_seconds(lambda: [fno(row) for row in density.split(1)], repeats)
        batched = best_seconds(lambda: fno(density), repeats)
        chunked = best_seconds(lambda: fno.predict_split(inputs), repeats)
        error = mae(fno.predict_split(inputs)["v_xc"], exact) if exact is not None else math.nan
    note = "" if exact is not None else "untrained weights"
    rows = [
        Timing("fno", "single (1 system per pass)", count, repeats, single / count, error, note),
        Timing("fno", f"batched ({count} in 1 pass)", count, repeats, batched / count, error, note),
        Timing("fno", f"predict_split (chunks of {fno.predict_batch})", count, repeats,
               chunked / count, error, note),
    ]  # fmt: skip
    return rows + ([time_compiled_fno(fno, density, exact, repeats, note)] if compile else [])


def time_compiled_fno(
    fno: KSInversionFNO, density: Tensor, exact: np.ndarray | None, repeats: int, note: str
) -> Timing:
    """All systems in one pass of ``torch.compile(fno)``; the first call compiles (timed apart)."""
    compiled = torch.compile(fno)
    with torch.inference_mode():
        start = time.perf_counter()
        predicted = compiled(density)
        compile_seconds = time.perf_counter() - start
        batched = best_seconds(lambda: compiled(density), repeats)
    error = mae(predicted.numpy(), exact) if exact is not None else math.nan
    count = len(density)
    note = "; ".join(filter(None, [note, f"compiled once in {compile_seconds:.0f} s"]))
    mode = f"compiled, batched ({count} in 1 pass)"
    return Timing("fno", mode, count, repeats, batched / count, error, note)


def idea_baseline(physics: Mapping[str, Any], systems: int) -> IDEAReverse:
    """The ``ks_idea`` baseline as configured (``conf/baseline/ks_idea.yaml``) on ``physics``,
    inverting the first ``systems`` test systems."""
    node = OmegaConf.load(CONF_DIR / "baseline" / f"{IDEA_BASELINE}.yaml")
    node.physics = dict(physics)
    node.max_systems = int(systems)
    params = OmegaConf.to_container(node, resolve=True)
    params.pop("name")
    return instantiate(params, _convert_="all")


def time_idea(
    inputs: Mapping[str, np.ndarray], exact: np.ndarray, physics: Mapping[str, Any], systems: int
) -> Timing:
    """iDEA's reverse engineering on the first ``systems`` test systems, run once."""
    baseline = idea_baseline(physics, systems)
    start = time.perf_counter()
    predicted = baseline.predict(inputs)
    seconds = time.perf_counter() - start
    count = min(systems, len(exact))
    converged = int(predicted["converged"][:count].sum())
    steps = sorted({int(k) for k in predicted["iterations"][:count]})
    span = f"{steps[0]}" if len(steps) == 1 else f"{steps[0]}-{steps[-1]}"
    note = (
        f"{converged}/{count} converged, {span} KS solves, tol {baseline.tol:g}, mu {baseline.mu:g}"
    )
    if converged < count:
        note += f"; stopped at {baseline.max_cpu_seconds:g} CPU s: the time is a lower bound"
    error = mae(predicted["v_xc"][:count], exact)
    return Timing(IDEA_BASELINE, "single (reverse per system)", count, 1, seconds / count,
                  error, note)  # fmt: skip


def time_analytic(
    inputs: Mapping[str, np.ndarray], exact: np.ndarray, physics: Mapping[str, Any], repeats: int
) -> Timing:
    """The analytic inversion, one system per call over all test systems (best of ``repeats``)."""
    p = Physics.from_mapping(physics)
    x, density, v_ext, eps = (np.asarray(inputs[k]) for k in ("x", "density", "v_ext", "eps"))

    def run() -> np.ndarray:
        return np.array([
            invert(x, n, v, e, p.interaction_softening, p.stencil, p.density_floor)["v_xc"]
            for n, v, e in zip(density, v_ext, eps, strict=True)
        ])  # fmt: skip

    seconds = best_seconds(run, repeats)
    count = len(density)
    return Timing("ks_analytic", "single (invert per system)", count, repeats, seconds / count,
                  mae(run(), exact))  # fmt: skip


def with_ratios(rows: list[Timing]) -> list[dict[str, Any]]:
    """Rows as dicts with ``idea_per_this`` and ``analytic_per_this``: iDEA's (the analytic
    inversion's) seconds per system divided by the row's."""
    per_system = {row.method: row.seconds_per_system for row in rows if row.method != "fno"}
    return [
        {
            **asdict(row),
            "idea_per_this": per_system[IDEA_BASELINE] / row.seconds_per_system,
            "analytic_per_this": per_system["ks_analytic"] / row.seconds_per_system,
        }
        for row in rows
    ]


def ratios(table: list[dict[str, Any]]) -> dict[str, float]:
    """The headline ratios, iDEA / FNO and analytic / FNO per mode (seconds per system)."""
    fno = [row for row in table if row["method"] == "fno"]
    return {
        f"{other} / fno {row['mode']}": row[key]
        for other, key in ((IDEA_BASELINE, "idea_per_this"), ("ks_analytic", "analytic_per_this"))
        for row in fno
    }


def format_table(table: list[dict[str, Any]], summary: Mapping[str, Any]) -> str:
    """The rows and ratios as a text table, with threads and weights."""
    head = f"{'method':<12} {'mode':<32} {'systems':>7} {'s/system':>10} {'v_xc MAE (Ha)':>13} "
    head += f"{'iDEA/this':>10} {'analytic/this':>13}  note"
    lines = [
        f"KS inversion timing, {summary['systems']} test systems on {summary['nx']} points; "
        f"threads: torch {summary['threads']['torch']}, BLAS {summary['threads']['blas']}; "
        f"FNO weights: {summary['fno_weights']}; 1-min load average "
        f"{summary['load_average_1min'][0]:.2f} → {summary['load_average_1min'][1]:.2f}",
        head,
    ]
    for row in table:
        lines.append(
            f"{row['method']:<12} {row['mode']:<32} {row['systems']:>7} "
            f"{row['seconds_per_system']:>10.3g} {_number(row['v_xc_mae']):>13} "
            f"{row['idea_per_this']:>10.3g} {row['analytic_per_this']:>13.3g}  {row['note']}"
        )
    lines += [f"{name}: {value:.3g}" for name, value in ratios(table).items()]
    lines += [f"note: {note}" for note in summary["notes"]]
    return "\n".join(lines)


def _number(value: float) -> str:
    """``value`` to 3 significant digits, ``n/a`` for NaN."""
    return "n/a" if math.isnan(value) else f"{value:.3g}"


def write_csv(table: list[dict[str, Any]], path: Path) -> Path:
    """One CSV row per method and mode (seconds per system, MAE in Ha, ratios)."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    return path


def write_json(table: list[dict[str, Any]], summary: Mapping[str, Any], path: Path) -> Path:
    """Rows, ratios and the run's setting (threads, weights, load) as JSON (NaN → null)."""
    clean = [{k: None if v != v else v for k, v in row.items()} for row in table]
    payload = {**summary, "rows": clean, "ratios": ratios(table)}
    path.write_text(json.dumps(payload, indent=1) + "\n")
    return path


def plot_timings(rows: list[Timing], summary: Mapping[str, Any], path: Path) -> Path:
    """Bar chart of seconds per system per method and mode (log scale)."""
    labels = [f"{row.method}\n{row.mode.replace(' (', chr(10) + '(')}" for row in rows]
    seconds = [row.seconds_per_system for row in rows]
    fig, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    bars = ax.bar(range(len(rows)), seconds, color=[f"C{k}" for k in range(len(rows))])
    ax.bar_label(bars, labels=[f"{s:.2g} s" for s in seconds], fontsize=8)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_yscale("log")
    threads = summary["threads"]
    ax.set(ylabel="wall time per system (s)",
           title=f"KS inversion cost, {summary['systems']} test systems, nx = {summary['nx']} "
                 f"(torch {threads['torch']} / BLAS {threads['blas']} threads)")  # fmt: skip
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
