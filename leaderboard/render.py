"""Leaderboard views: ranked tables (terminal/Markdown), the web pages, CSV/JSON and the scatter.

Per task and experiment, entries of the same method, kind and author are pooled over seeds (or
shown one per seed): a metric as mean ± sample std, the cost (training + inference wall time, s)
as a mean. Models and baselines are ranked by the chosen metric (the task's primary one by
default) in that metric's direction, non-finite values last; exact methods (kind ``reference``)
are their own rows, never ranked; quoted published numbers (``references.yaml``) appear only
under their own metric, unranked. The web service and the static export render the same Jinja2
templates (``templates/``); the accuracy-vs-cost scatter is server-side SVG with the Pareto
front (the rows no other row beats in both cost and the metric).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tasks.spec import TaskSpec, get_task

REFERENCES = Path(__file__).with_name("references.yaml")
HEADER = ("rank", "method", "kind", "seeds", "mean ± std", "cost (s)", "author")
RANKED_KINDS = ("model", "baseline")
KINDS = ("model", "baseline", "reference", "quoted")
PAGE_ROWS = 500  # rows of a task page (and points of its scatter); downloads hold every row
# By path, not by package name: a board's data directory is also called ``leaderboard/``, and
# under ``python -m`` from its parent it would shadow the package for a name-based loader.
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


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


@dataclass
class Row:
    """One row of a task view: a method pooled over seeds, one seed, or a quoted number."""

    method: str
    kind: str
    author: str
    seeds: list[int]
    mean: dict[str, float]
    std: dict[str, float]
    cost: float
    entries: list[int] = field(default_factory=list)
    rank: int | None = None


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


def _cost(entry: dict[str, Any]) -> float:
    return entry["timings"]["train"] + entry["timings"]["inference_total"]


def rows_of(spec: TaskSpec, entries: Iterable[dict[str, Any]], pooled: bool = True) -> list[Row]:
    """Rows of one task and experiment: pooled per (method, kind, author), or one per entry."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for entry in entries:
        key = (entry["method"], entry["kind"], entry["author"])
        groups[key if pooled else (*key, entry["id"])].append(entry)
    rows = []
    for (method, kind, author, *_), members in groups.items():
        if len(members) == 1:  # its own values (most rows of the per-seed view)
            mean = {name: members[0]["metrics"].get(name, math.nan) for name in spec.metrics}
            std = dict.fromkeys(spec.metrics, 0.0)
        else:
            values = {name: [m["metrics"].get(name, math.nan) for m in members]
                      for name in spec.metrics}  # fmt: skip
            mean = {name: _nanmean(v) for name, v in values.items()}  # NaN: a seed without it
            std = {name: _nanstd(v) for name, v in values.items()}
        costs = [_cost(m) for m in members]
        seeds, ids = [m["seed"] for m in members], [m["id"] for m in members]
        rows.append(Row(method, kind, author, seeds, mean, std, sum(costs) / len(costs), ids))
    return rows


def _nanmean(values: list[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return sum(known) / len(known) if known else math.nan


def _nanstd(values: list[float]) -> float:
    """Sample standard deviation of the values that are not NaN (0 for one value)."""
    known = [v for v in values if not math.isnan(v)]
    if len(known) < 2:
        return 0.0
    mean = sum(known) / len(known)
    return math.sqrt(sum((v - mean) ** 2 for v in known) / (len(known) - 1))


def quoted_rows(task: str, experiment: str, metric: str) -> list[Row]:
    """Published numbers of ``metric`` quoted for this task and experiment."""
    rows = references().get(task, {}).get(experiment, [])
    return [
        Row(
            ref["method"],
            "quoted",
            "published",
            [],
            {metric: float(ref[metric])},
            {metric: 0.0},
            math.nan,
        )
        for ref in rows
        if metric in ref
    ]


def sort_key(spec: TaskSpec, metric: str) -> Any:
    """Sort key of rows by ``metric`` (or ``cost``) in its direction, NaN last; ties (e.g. every
    method exact) go to the cheaper one."""
    sign = 1.0 if metric == "cost" or spec.metrics[metric].direction == "lower" else -1.0

    def key(row: Row) -> tuple[bool, float, float]:
        value = row.cost if metric == "cost" else row.mean.get(metric, math.nan)
        cost = row.cost if not math.isnan(row.cost) else math.inf
        return (math.isnan(value), sign * value if not math.isnan(value) else 0.0, cost)

    return key


def ranked(spec: TaskSpec, rows: list[Row], metric: str, reverse: bool = False) -> list[Row]:
    """Models and baselines ranked by ``metric`` (rank numbers set), then the other rows."""
    ranked_rows = sorted((r for r in rows if r.kind in RANKED_KINDS), key=sort_key(spec, metric))
    for rank, row in enumerate(ranked_rows, 1):
        row.rank = rank
    if reverse:
        ranked_rows.reverse()
    others = sorted((r for r in rows if r.kind not in RANKED_KINDS), key=sort_key(spec, metric))
    return ranked_rows + others


def by_experiment(entries: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict]]:
    """Entries grouped by (task, experiment), sorted."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entry in entries:
        groups[(entry["task"], entry["experiment"])].append(entry)
    return dict(sorted(groups.items()))


def ranked_tables(entries: list[dict[str, Any]], metric: str | None = None) -> list[Table]:
    """One :class:`Table` per (task, experiment), ranked by ``metric`` (default: primary)."""
    tables = []
    for (task, experiment), members in by_experiment(entries).items():
        spec = get_task(task)
        if metric is not None and metric not in spec.metrics:
            continue  # ``show --metric`` ranks the tasks that declare it
        name = metric_of(spec, metric)
        rows = ranked(spec, rows_of(spec, members), name) + quoted_rows(task, experiment, name)
        declared = spec.metrics[name]
        tables.append(
            Table(
                task,
                experiment,
                name,
                declared.unit,
                declared.direction,
                [_cells(row, name) for row in rows],
            )
        )
    return tables


def _cells(row: Row, metric: str) -> tuple[str, ...]:
    rank = str(row.rank) if row.rank else ("ref" if row.kind == "reference" else "—")
    if row.kind == "quoted":
        return (rank, row.method, row.kind, "", f"{row.mean[metric]:.3e}", "", row.author)
    value = f"{row.mean[metric]:.3e} ± {row.std[metric]:.1e}"
    return (rank, row.method, row.kind, str(len(row.seeds)), value, f"{row.cost:.3g}", row.author)


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


@dataclass(frozen=True)
class View:
    """What the task page shows: the state in its URL (``?experiment=&sort=&reverse=&kind=
    &author=&pooled=&page=``) and the rows it selects (``shown``: those of the page)."""

    spec: TaskSpec
    experiment: str
    experiments: list[str]
    sort: str
    reverse: bool
    kind: str | None
    author: str | None
    pooled: bool
    authors: list[str]
    rows: list[Row]
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_ROWS))

    @property
    def shown(self) -> list[Row]:
        return self.rows[(self.page - 1) * PAGE_ROWS : self.page * PAGE_ROWS]

    def params(self, **changes: Any) -> dict[str, str]:
        """The URL query of this view with ``changes`` (defaults left out)."""
        state = {
            "experiment": self.experiment,
            "sort": self.sort,
            "reverse": self.reverse,
            "kind": self.kind,
            "author": self.author,
            "pooled": self.pooled,
            "page": self.page,
        } | changes
        return {
            key: ("1" if value is True else "0" if value is False else str(value))
            for key, value in state.items()
            if value is not None
            and not (key == "reverse" and value is False)
            and not (key == "pooled" and value is True)
            and not (key == "page" and value == 1)
        }

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (JSON download; non-finite numbers as ``None``)."""
        return [
            {
                "rank": row.rank,
                "method": row.method,
                "kind": row.kind,
                "author": row.author,
                "seeds": row.seeds,
                "entries": row.entries,
                "cost_s": _finite(row.cost),
                **{f"{name}_mean": _finite(row.mean.get(name, math.nan)) for name in self.metrics},
                **{f"{name}_std": _finite(row.std.get(name, math.nan)) for name in self.metrics},
            }
            for row in self.rows
        ]

    @property
    def metrics(self) -> list[str]:
        return list(self.spec.metrics)

    def csv(self) -> str:
        """The rows as CSV (the same columns as :meth:`records`)."""
        out = io.StringIO()
        records = self.records()
        columns = list(records[0]) if records else ["rank", "method", "kind", "author"]
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        for record in records:
            writer.writerow(
                record
                | {
                    "seeds": " ".join(map(str, record["seeds"])),
                    "entries": " ".join(map(str, record["entries"])),
                }
            )
        return out.getvalue()

    def json(self) -> str:
        """The rows and the view's state as JSON."""
        state = {"task": self.spec.name, **self.params(page=1), "sort": self.sort}
        return json.dumps({"view": state, "rows": self.records()}, indent=1)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def task_view(
    spec: TaskSpec,
    entries: list[dict[str, Any]],
    *,
    experiment: str | None = None,
    sort: str | None = None,
    reverse: bool = False,
    kind: str | None = None,
    author: str | None = None,
    pooled: bool = True,
    page: int = 1,
) -> View:
    """The rows of one task's page for a URL state; unknown values fall back to defaults."""
    experiments = sorted({e["experiment"] for e in entries} | set(references().get(spec.name, {})))
    if experiment not in experiments:  # default: the first experiment with entries
        experiment = min((e["experiment"] for e in entries), default=(experiments or [""])[0])
    sort = sort if sort == "cost" or sort in spec.metrics else spec.primary_metric
    kind = kind if kind in KINDS else None
    members = [e for e in entries if e["experiment"] == experiment]
    authors = sorted({e["author"] for e in members})
    author = author if author in authors else None
    members = [e for e in members if author in (None, e["author"])]
    rows = rows_of(spec, members, pooled)
    if sort != "cost":
        rows += quoted_rows(spec.name, experiment, sort)
    rows = [r for r in ranked(spec, rows, sort, reverse) if kind in (None, r.kind)]
    view = View(spec, experiment, experiments, sort, reverse, kind, author, pooled, authors, rows)
    return replace(view, page=min(max(page, 1), view.pages))


def scatter_svg(view: View, width: int = 640, height: int = 380) -> str:
    """Accuracy (the view's metric, or the primary one) against cost, log axes where positive,
    with the Pareto front of the plotted rows; empty string when nothing can be plotted."""
    metric = view.sort if view.sort != "cost" else view.spec.primary_metric
    sign = 1.0 if view.spec.metrics[metric].direction == "lower" else -1.0
    points = [(r.cost, r.mean.get(metric, math.nan), r) for r in view.shown]
    points = [(x, y, r) for x, y, r in points if math.isfinite(x) and math.isfinite(y) and x > 0]
    if not points:
        return ""
    log_y = all(y > 0 for _, y, _ in points)
    xs = [math.log10(x) for x, _, _ in points]
    ys = [math.log10(y) if log_y else y for _, y, _ in points]
    pad = 50

    def scale(values: list[float], lo: float, hi: float) -> list[float]:
        a, b = min(values), max(values)
        span = (b - a) or 1.0
        return [lo + (v - a + span * 0.05) / (span * 1.1) * (hi - lo) for v in values]

    px = scale(xs, pad, width - 10)
    py = scale(ys, height - pad, 10)
    front = pareto_front([(x, sign * y) for x, y, _ in points])
    on_front = set(front)
    return TEMPLATES.get_template("scatter.svg.j2").render(
        width=width,
        height=height,
        pad=pad,
        metric=metric,
        log_y=log_y,
        direction=view.spec.metrics[metric].direction,
        points=[
            {"x": px[i], "y": py[i], "row": r, "cost": x, "value": y, "front": i in on_front}
            for i, (x, y, r) in enumerate(points)
        ],
        front=[(px[i], py[i]) for i in front],
        x_range=(min(p[0] for p in points), max(p[0] for p in points)),
        y_range=(min(p[1] for p in points), max(p[1] for p in points)),
    )


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points that no other point beats in both coordinates (lower is better),
    by increasing first coordinate; equal points are on the front together."""
    order = sorted(range(len(points)), key=points.__getitem__)
    front: list[int] = []
    best = math.inf
    for _, same in groupby(order, key=points.__getitem__):
        same = list(same)
        if points[same[0]][1] < best:
            front += same
            best = points[same[0]][1]
    return front


def task_page(view: View, links: Links) -> str:
    """The HTML page of one task's view."""
    return TEMPLATES.get_template("task.html").render(
        view=view, links=links, scatter=scatter_svg(view), tasks=links.tasks, page_rows=PAGE_ROWS
    )


def index_page(counts: dict[str, int], links: Links) -> str:
    """The board's front page: every task with its number of entries (``counts``)."""
    rows = [(get_task(name), counts.get(name, 0)) for name in links.tasks]
    return TEMPLATES.get_template("index.html").render(rows=rows, links=links, tasks=links.tasks)


def entry_page(entry: dict[str, Any], links: Links) -> str:
    """The HTML page of one stored entry (config, provenance, timings, downloads)."""
    spec = get_task(entry["task"])
    return TEMPLATES.get_template("entry.html").render(
        entry=entry,
        spec=spec,
        links=links,
        tasks=links.tasks,
        config=json.dumps(entry["config"], indent=1, sort_keys=True),
    )


@dataclass(frozen=True)
class Links:
    """How pages link to each other: the service's URLs, or the static export's files (one
    page per task and experiment, in its default sort; no entry pages)."""

    tasks: list[str]
    static: bool = False

    def home(self) -> str:
        return "index.html" if self.static else "/"

    def task(self, name: str, params: dict[str, str] | None = None) -> str:
        if self.static:
            experiment = (params or {}).get("experiment")
            return f"task-{name}-{experiment}.html" if experiment else f"task-{name}.html"
        return f"/task/{name}" + (f"?{urlencode(params)}" if params else "")

    def download(self, name: str, fmt: str, params: dict[str, str]) -> str:
        if self.static:
            return f"task-{name}-{params['experiment']}.{fmt}"
        return f"/task/{name}.{fmt}?{urlencode(params)}"

    def entry(self, entry_id: int) -> str | None:
        return None if self.static else f"/entry/{entry_id}"


def export_site(entries: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """The static site: ``index.html`` and per task and experiment its page, CSV and JSON
    (``task-<task>.html`` is the page of the task's first experiment)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    groups = defaultdict(list)
    for entry in entries:
        groups[entry["task"]].append(entry)
    links = Links(sorted(groups), static=True)
    counts = {name: len(members) for name, members in groups.items()}
    pages = {out_dir / "index.html": index_page(counts, links)}
    for name, members in sorted(groups.items()):
        spec = get_task(name)
        for experiment in task_view(spec, members).experiments:
            view = task_view(spec, members, experiment=experiment)
            stem = out_dir / f"task-{name}-{experiment}"
            pages |= {
                stem.with_suffix(".html"): task_page(view, links),
                stem.with_suffix(".csv"): view.csv(),
                stem.with_suffix(".json"): view.json(),
            }
            pages.setdefault(out_dir / f"task-{name}.html", pages[stem.with_suffix(".html")])
    for path, text in pages.items():
        path.write_text(text)
    return list(pages)
