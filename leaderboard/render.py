"""Ranked leaderboard tables (terminal/Markdown) and a static HTML page, following the specs.

Per task and experiment, entries of the same method, kind and author are pooled over seeds: a
metric as mean ± sample std, the cost (training + inference wall time, s) as a mean. Models and
baselines are ranked by the chosen metric (the task's primary one by default) in that metric's
direction; exact methods (kind ``reference``) are shown below, never ranked; quoted published
numbers (``references.yaml``) appear only in the table of their own metric, unranked.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tasks.spec import TaskSpec, get_task

REFERENCES = Path(__file__).with_name("references.yaml")
HEADER = ("rank", "method", "kind", "seeds", "mean ± std", "cost (s)", "author")
RANKED_KINDS = ("model", "baseline")


@dataclass(frozen=True)
class Table:
    """One ranked table: the metric it ranks by and its rows (strings, ``HEADER`` order)."""

    task: str
    experiment: str
    metric: str
    unit: str
    direction: str
    rows: list[tuple[str, ...]]

    @property
    def title(self) -> str:
        arrow = "↓ lower is better" if self.direction == "lower" else "↑ higher is better"
        return f"{self.task} / {self.experiment}: {self.metric} [{self.unit}] ({arrow})"


def references() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The quoted published rows, task -> experiment -> rows (method, one metric: value)."""
    return yaml.safe_load(REFERENCES.read_text()) or {}


def metric_of(spec: TaskSpec, metric: str | None) -> str:
    """The metric to rank by: ``metric`` if the task declares it, else its primary one."""
    if metric is None:
        return spec.primary_metric
    if metric not in spec.metrics:
        raise KeyError(
            f"task {spec.name!r} has no metric {metric!r}; its metrics: "
            f"{', '.join(sorted(spec.metrics))}"
        )
    return metric


def ranked_tables(entries: list[dict[str, Any]], metric: str | None = None) -> list[Table]:
    """One :class:`Table` per (task, experiment), ranked by ``metric`` (default: primary)."""
    groups: dict[tuple[str, str], dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        key = (entry["method"], entry["kind"], entry["author"])
        groups[(entry["task"], entry["experiment"])][key].append(entry)
    quoted = references()
    tables = []
    for (task, experiment), methods in sorted(groups.items()):
        spec = get_task(task)
        if metric is not None and metric not in spec.metrics:
            continue  # ``show --metric`` ranks the tasks that declare it
        name = metric_of(spec, metric)
        declared = spec.metrics[name]
        pooled = [_pool(method, kind, author, members, name)
                  for (method, kind, author), members in methods.items()]  # fmt: skip
        sign = 1.0 if declared.direction == "lower" else -1.0
        ranked = sorted(
            (p for p in pooled if p["kind"] in RANKED_KINDS),
            key=lambda p: (np.isnan(p["mean"]), sign * p["mean"]),
        )
        rows = [_row(str(rank), p) for rank, p in enumerate(ranked, 1)]
        rows += [_row("ref", p) for p in pooled if p["kind"] not in RANKED_KINDS]
        for ref in quoted.get(task, {}).get(experiment, []):
            if name in ref:
                rows.append(("—", ref["method"], "quoted", "", f"{ref[name]:.3e}", "", "published"))
        tables.append(Table(task, experiment, name, declared.unit, declared.direction, rows))
    return tables


def _pool(method: str, kind: str, author: str, members: list[dict], metric: str) -> dict:
    values = np.array([m["metrics"].get(metric, np.nan) for m in members], float)
    cost = np.mean([m["timings"]["train"] + m["timings"]["inference_total"] for m in members])
    std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"method": method, "kind": kind, "author": author, "n": len(values),
            "mean": float(np.mean(values)), "std": std, "cost": float(cost)}  # fmt: skip


def _row(rank: str, p: dict) -> tuple[str, ...]:
    value = f"{p['mean']:.3e} ± {p['std']:.1e}"
    return (rank, p["method"], p["kind"], str(p["n"]), value, f"{p['cost']:.3g}", p["author"])


def markdown(tables: list[Table]) -> str:
    """All tables as Markdown sections."""
    parts = []
    for table in tables:
        parts.append(f"### {table.title}\n")
        parts.append("| " + " | ".join(HEADER) + " |")
        parts.append("|" + "---|" * len(HEADER))
        parts += ["| " + " | ".join(row) + " |" for row in table.rows]
        parts.append("")
    return "\n".join(parts) + "\n" if parts else ""


def html_page(tables: list[Table]) -> str:
    """A self-contained HTML page with one table per task and experiment (escaped text)."""
    sections = []
    for table in tables:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADER)
        body = "".join(
            f"<tr class='{html.escape(row[2])}'>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
            + "</tr>"
            for row in table.rows
        )
        sections.append(
            f"<h2>{html.escape(table.title)}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .7em;text-align:left}"
        "tr.baseline{background:#eef5ff}tr.reference{background:#f3f3f3}"
        "tr.quoted{color:#777;font-style:italic}"
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>exactbench leaderboard</title>"
        f"<style>{style}</style></head><body><h1>exactbench leaderboard</h1>"
        "<p>Metrics are re-scored from saved predictions on the canonical test splits; each "
        "table says which way is better. Baselines are shaded blue; exact references (grey) "
        "are shown, never ranked; quoted rows are published numbers, not re-run.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
