"""Ranked leaderboard tables (terminal/Markdown) and a static HTML page.

Per task and experiment, entries of the same method and kind are pooled over seeds: the
primary metric as mean ± sample std (lower is better), the cost (training + inference wall
time, s) as a mean. Quoted published numbers (``references.yaml``) follow, unranked.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REFERENCES = Path(__file__).with_name("references.yaml")
HEADER = ("rank", "method", "kind", "seeds", "metric", "mean ± std", "cost (s)", "author")


def references() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The quoted published rows, task -> experiment -> rows."""
    return yaml.safe_load(REFERENCES.read_text()) or {}


def ranked_tables(entries: list[dict[str, Any]]) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """(task, experiment) -> table rows (strings), ranked by the primary metric's mean."""
    groups: dict[tuple[str, str], dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        key = (entry["method"], entry["kind"], entry["author"])
        groups[(entry["task"], entry["experiment"])][key].append(entry)
    tables = {}
    quoted = references()
    for (task, experiment), methods in sorted(groups.items()):
        scored = []
        for (method, kind, author), members in methods.items():
            metric = members[0]["primary_metric"]
            values = np.array([m["metrics"][metric] for m in members], float)
            cost = np.mean(
                [m["timings"]["train"] + m["timings"]["inference_total"] for m in members]
            )
            std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
            scored.append(
                (float(np.mean(values)), std, method, kind, len(values), metric, cost, author)
            )
        scored.sort(key=lambda item: (np.isnan(item[0]), item[0]))
        rows = [
            (
                str(rank),
                method,
                kind,
                str(n),
                metric,
                f"{mean:.3e} ± {std:.1e}",
                f"{cost:.3g}",
                author,
            )
            for rank, (mean, std, method, kind, n, metric, cost, author) in enumerate(scored, 1)
        ]
        for ref in quoted.get(task, {}).get(experiment, []):
            metric = next(k for k in ref if k != "method")
            rows.append(
                ("—", ref["method"], "quoted", "", metric, f"{ref[metric]:.3e}", "", "published")
            )
        tables[(task, experiment)] = rows
    return tables


def markdown(tables: dict[tuple[str, str], list[tuple[str, ...]]]) -> str:
    """All tables as Markdown sections."""
    parts = []
    for (task, experiment), rows in tables.items():
        parts.append(f"### {task} / {experiment}\n")
        parts.append("| " + " | ".join(HEADER) + " |")
        parts.append("|" + "---|" * len(HEADER))
        parts += ["| " + " | ".join(row) + " |" for row in rows]
        parts.append("")
    return "\n".join(parts) + "\n"


def html_page(tables: dict[tuple[str, str], list[tuple[str, ...]]]) -> str:
    """A self-contained HTML page with one table per task and experiment."""
    sections = []
    for (task, experiment), rows in tables.items():
        head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADER)
        body = "".join(
            f"<tr class='{html.escape(row[2])}'>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
            + "</tr>"
            for row in rows
        )
        sections.append(
            f"<h2>{html.escape(task)} / {html.escape(experiment)}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .7em;text-align:left}"
        "tr.baseline{background:#eef5ff}tr.quoted{color:#777;font-style:italic}"
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>exactbench leaderboard</title>"
        f"<style>{style}</style></head><body><h1>exactbench leaderboard</h1>"
        "<p>Metrics are re-scored from saved predictions on the official test splits; lower is "
        "better. Baselines are shaded; quoted rows are published numbers, not re-run.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
