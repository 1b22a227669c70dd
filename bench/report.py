"""``exactbench report``: a task's report beyond single runs (e.g. regc's gas chemical potential
and CHE diagram, mft's verdicts on its source formulas, cft's regime tables).

The function is the report hook of the task's spec; the task config's ``report`` node gives its
keyword arguments, and the run directory comes as ``out_dir``. With ``with_test_split: true`` it
also gets the task's test split (every array) as ``split``. The function returns the paths it
wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from bench.config import hydra_command
from leaderboard.configs import split_of
from tasks.spec import get_task, task_names


def run_report(cfg: DictConfig, run_dir: Path) -> list[Path]:
    """Call the spec's report hook with the ``task.report`` node (see module docstring)."""
    spec = get_task(cfg.task.name)
    if spec.report is None:
        having = [name for name in task_names() if get_task(name).report is not None]
        raise SystemExit(
            f"exactbench report: task {spec.name!r} declares no report; tasks that do: "
            f"{', '.join(having)}"
        )
    params = OmegaConf.to_container(cfg.task.get("report") or {}, resolve=True)
    params.pop("_target_", None)
    if params.pop("with_test_split", False):
        params["split"] = split_of(cfg).scoring
    paths = spec.report.load()(**params, out_dir=Path(run_dir))
    for path in paths:
        print(path)
    return paths


cli = hydra_command(run_report, "report")

if __name__ == "__main__":
    cli(sys.argv[1:])
