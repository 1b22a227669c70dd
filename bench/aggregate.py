"""``exactbench aggregate DIR``: tabulate and plot the run records of a multirun (ablation).

Every job directory under ``DIR`` holds ``result.json`` and Hydra's ``.hydra/overrides.yaml``.
The overrides that differ between jobs are the swept parameters; jobs that differ only in
``seed``, or in where they log (``logger``, ``hydra.*``), are repeats of one grid point, so a
study run in parts with different loggers is still one table. For each grid point the chosen
metrics and timings are reported as mean ± sample standard deviation over seeds (std = 0 for a
single seed), written as ``aggregate.md`` and ``aggregate.csv`` in ``DIR``, with
``aggregate.png``: each quantity against the first numeric swept parameter (log axis when it
spans more than two decades), one line per value of any other swept parameter.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from leaderboard.record import RECORD_FILE, RecordError, RunRecord, load_record
from tasks.spec import get_task

SEED_KEY = "seed"
NOT_PARAMETERS = (SEED_KEY, "logger")  # plus every hydra.* key: they do not change a result


def collect(root: Path) -> list[tuple[dict[str, str], RunRecord]]:
    """(overrides, record) of every job under ``root`` with a valid record; bad ones raise."""
    jobs = []
    for path in sorted(Path(root).rglob(RECORD_FILE)):
        job = path.parent
        overrides_file = job / ".hydra" / "overrides.yaml"
        overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
        pairs = dict(item.split("=", 1) for item in overrides if "=" in item)
        jobs.append(({key.lstrip("+~"): value for key, value in pairs.items()}, load_record(job)))
    if not jobs:
        raise SystemExit(f"exactbench aggregate: no {RECORD_FILE} under {root}")
    return jobs


def swept_keys(jobs: list[tuple[dict[str, str], RunRecord]]) -> list[str]:
    """Override keys whose value differs between jobs, in first-seen order (``NOT_PARAMETERS``
    and ``hydra.*`` excluded)."""
    keys: dict[str, set[str | None]] = {}
    for overrides, _ in jobs:
        for key in overrides:
            keys.setdefault(key, set())
    for overrides, _ in jobs:
        for key in keys:
            keys[key].add(overrides.get(key))
    return [
        key
        for key, values in keys.items()
        if len(values) > 1 and key not in NOT_PARAMETERS and not key.startswith("hydra.")
    ]


def _quantity(record: RunRecord, name: str) -> float:
    if name in record.metrics:
        return record.metrics[name]
    return record.timings.get(name, math.nan)


def aggregate(
    jobs: list[tuple[dict[str, str], RunRecord]], quantities: list[str]
) -> tuple[list[str], list[dict[str, object]]]:
    """Swept keys and one row per grid point: its values, ``n_seeds``, mean and std per quantity."""
    keys = swept_keys(jobs)
    groups: dict[tuple, list[RunRecord]] = defaultdict(list)
    for overrides, record in jobs:
        groups[tuple(overrides.get(key, "") for key in keys)].append(record)
    rows = []
    for point, records in sorted(groups.items(), key=lambda item: [_sort_key(v) for v in item[0]]):
        row: dict[str, object] = dict(zip(keys, point, strict=True))
        row["n_seeds"] = len(records)
        for name in quantities:
            values = np.array([_quantity(record, name) for record in records], float)
            row[f"{name}_mean"] = float(np.mean(values))
            row[f"{name}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    return keys, rows


def _sort_key(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def write_tables(directory: Path, keys: list[str], quantities: list[str], rows: list[dict]) -> None:
    """``aggregate.csv`` (all columns) and ``aggregate.md`` (mean ± std) in ``directory``."""
    with open(directory / "aggregate.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = [*keys, "seeds", *quantities]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row[key]) for key in keys] + [str(row["n_seeds"])]
        cells += [f"{row[f'{q}_mean']:.3e} ± {row[f'{q}_std']:.1e}" for q in quantities]
        lines.append("| " + " | ".join(cells) + " |")
    (directory / "aggregate.md").write_text("\n".join(lines) + "\n")


def plot(directory: Path, keys: list[str], quantities: list[str], rows: list[dict]) -> Path | None:
    """Each quantity (mean ± std) against the first numeric swept parameter."""
    numeric = [k for k in keys if all(_sort_key(str(row[k]))[0] == 0 for row in rows)]
    if not numeric:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_key = numeric[0]
    others = [k for k in keys if k != x_key]
    lines: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        lines[tuple(row[k] for k in others)].append(row)
    fig, axes = plt.subplots(1, len(quantities), figsize=(5 * len(quantities), 4), squeeze=False)
    for ax, name in zip(axes[0], quantities, strict=True):
        for label, members in lines.items():
            x = np.array([float(m[x_key]) for m in members])
            mean = np.array([m[f"{name}_mean"] for m in members])
            std = np.array([m[f"{name}_std"] for m in members])
            text = ", ".join(f"{k}={v}" for k, v in zip(others, label, strict=True)) or None
            ax.errorbar(x, mean, yerr=std, marker="o", capsize=3, label=text)
        positive = x[x > 0]
        if positive.size and positive.max() / positive.min() > 100:
            ax.set_xscale("symlog" if (x <= 0).any() else "log")
        if np.all(mean > 0):
            ax.set_yscale("log")
        ax.set(xlabel=x_key, ylabel=name, title=f"{name} (mean ± std over seeds)")
        if others:
            ax.legend(fontsize=8)
    fig.tight_layout()
    path = directory / "aggregate.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def cli(argv: list[str]) -> None:
    """Aggregate the records of a multirun directory; print the Markdown table."""
    parser = argparse.ArgumentParser(prog="exactbench aggregate", description=__doc__)
    parser.add_argument("directory", type=Path, help="multirun directory (or any parent)")
    parser.add_argument(
        "--quantity", "-q", action="append",
        help="metric or timing to aggregate (repeatable; default: the task's primary metric, "
        "train_step_mean and train)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        jobs = collect(args.directory)
    except RecordError as error:
        raise SystemExit(f"exactbench aggregate: {error}") from error
    quantities = args.quantity or [
        get_task(jobs[0][1].task).primary_metric,
        "train_step_mean",
        "train",
    ]
    keys, rows = aggregate(jobs, quantities)
    write_tables(args.directory, keys, quantities, rows)
    figure = plot(args.directory, keys, quantities, rows)
    print((args.directory / "aggregate.md").read_text())
    written = "aggregate.md, aggregate.csv" + (", aggregate.png" if figure else "")
    print(f"written: {written} in {args.directory}")
