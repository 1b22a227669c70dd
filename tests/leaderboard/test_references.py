"""The quoted published rows point at real experiments of their task, one numeric metric each."""

from __future__ import annotations

import math

import pytest

from leaderboard.configs import CONF_DIR, compose
from leaderboard.render import references

QUOTED = [
    (task, experiment, row)
    for task, experiments in references().items()
    for experiment, rows in experiments.items()
    for row in rows
]


@pytest.mark.parametrize("task, experiment, row", QUOTED)
def test_quoted_row_belongs_to_an_experiment_of_its_task(task, experiment, row):
    assert (CONF_DIR / "experiment" / f"{experiment}.yaml").is_file()
    assert compose([f"experiment={experiment}"]).task.name == task
    metrics = [key for key in row if key != "method"]
    assert len(metrics) == 1 and math.isfinite(row[metrics[0]])
