"""The task page's pieces that scale with the board: the Pareto front and the pages of rows."""

from __future__ import annotations

import random

from leaderboard.render import PAGE_ROWS, pareto_front, task_view
from tasks.spec import get_task


def test_the_pareto_front_is_the_set_of_unbeaten_points():
    rng = random.Random(0)
    points = [(rng.randint(0, 9), rng.randint(0, 9)) for _ in range(300)]  # many ties
    beaten = {
        i for i, p in enumerate(points)
        if any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)
    }  # fmt: skip
    front = pareto_front(points)
    assert set(front) == set(range(len(points))) - beaten
    assert [points[i][0] for i in front] == sorted(points[i][0] for i in front)


def test_one_row_per_seed_comes_in_pages_and_the_downloads_hold_every_row():
    spec = get_task("qho")
    entries = [
        {"id": n, "experiment": "qho_base", "method": "qho_pinn", "kind": "model", "seed": n,
         "author": "alice", "metrics": {spec.primary_metric: float(n)},
         "timings": {"train": 1.0, "inference_total": 0.1}}
        for n in range(PAGE_ROWS + 3)
    ]  # fmt: skip
    first = task_view(spec, entries, pooled=False)
    assert first.pages == 2 and len(first.shown) == PAGE_ROWS and first.shown[0].rank == 1
    last = task_view(spec, entries, pooled=False, page=99)  # clamped to the last page
    assert last.page == 2 and [row.rank for row in last.shown] == [PAGE_ROWS + 1, PAGE_ROWS + 2,
                                                                   PAGE_ROWS + 3]  # fmt: skip
    assert last.params()["page"] == "2" and "page" not in first.params()
    assert len(last.records()) == PAGE_ROWS + 3 and '"page"' not in last.json()
