"""``exactbench suite``: run a list of train/baseline jobs and tabulate their run records.

``exactbench suite [suite=NAME] [overrides...]`` runs ``conf/suite/NAME.yaml`` (default
``quick``) or a suite file of your own (``suite=path/to/my_suite.yaml``). Every job is its own
process (a crash in one does not stop the others) and writes its run record under
``outputs/suite/<NAME>/<date-time>/<index>-<method>/``; the summary (Markdown) lands beside
them and on the terminal. Every finished run is then submitted to the leaderboard (re-scored on
the official split), whose ranked tables are printed and exported to ``leaderboard/data/site/``.
Exit status is non-zero if any job failed or was rejected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from omegaconf import OmegaConf

from bench.leaderboard_cli import export, submit_all
from leaderboard.configs import CONF_DIR
from leaderboard.record import RecordError, RunRecord, load_record
from leaderboard.render import markdown, ranked_tables
from leaderboard.store import Board
from tasks.spec import get_task


def parse_args(argv: list[str]) -> tuple[str, list[str]]:
    """Suite name (``suite=NAME``) and the overrides passed on to every job."""
    name, extra = "quick", []
    for arg in argv:
        if arg.startswith("suite="):
            name = arg.split("=", 1)[1]
        else:
            extra.append(arg)
    return name, extra


def suite_path(name: str) -> Path:
    """``conf/suite/<name>.yaml``, or ``name`` itself when it is a path to a YAML file."""
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        return Path(name)
    path = CONF_DIR / "suite" / f"{name}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise SystemExit(
            f"exactbench suite: no suite {name!r}; available: {available}, "
            "or pass the path of a suite file (suite=path/to/suite.yaml)"
        )
    return path


def load_suite(name: str) -> list[list[str]]:
    """The job list of a suite (see ``suite_path``): rows ``[subcommand, override, ...]``."""
    path = suite_path(name)
    runs = OmegaConf.to_container(OmegaConf.load(path))["runs"]
    for row in runs:
        if not row or row[0] not in ("train", "baseline"):
            raise SystemExit(f"{path}: each run must start with 'train' or 'baseline', got {row}")
    return runs


def run_job(row: list[str], extra: list[str], run_dir: Path) -> RunRecord | str:
    """Run one job in a child process; its record, or the reason it failed."""
    command = [sys.executable, "-m", "bench.cli", *row, *extra, f"hydra.run.dir={run_dir}"]
    print(f"\n=== {' '.join(row + extra)}\n    -> {run_dir}", flush=True)
    result = subprocess.run(command, env=os.environ.copy(), check=False)
    if result.returncode != 0:
        return f"exit status {result.returncode} (log: {run_dir})"
    try:
        return load_record(run_dir)
    except RecordError as error:
        return str(error)


def summary_table(rows: list[tuple[list[str], RunRecord | str]]) -> str:
    """Markdown table: accuracy and wall time of each job side by side.

    ``cost (s)`` is the wall time to produce the test predictions (training + inference);
    ``× baseline`` divides it by that of the task's ``default_baseline`` on the same experiment
    in this suite, so the ratio compares timings measured on the same machine in the same run.
    """
    records = [outcome for _, outcome in rows if not isinstance(outcome, str)]
    reference = {
        (record.task, record.experiment): _cost(record)
        for record in records
        if record.kind != "model" and record.method == get_task(record.task).default_baseline
    }
    lines = [
        "| task | experiment | method | kind | metric | value | cost (s) | × baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row, outcome in rows:
        if isinstance(outcome, str):
            lines.append(f"| {' '.join(row)} | | | | FAILED | {outcome} | | |")
            continue
        metric = get_task(outcome.task).primary_metric
        base = reference.get((outcome.task, outcome.experiment))
        ratio = f"{_cost(outcome) / base:.3g}" if base else "n/a"
        lines.append(
            f"| {outcome.task} | {outcome.experiment} | {outcome.method} | {outcome.kind} | "
            f"{metric} | {outcome.metrics[metric]:.3e} | {_cost(outcome):.3g} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


def _cost(record: RunRecord) -> float:
    return record.timings["train"] + record.timings["inference_total"]


def cli(argv: list[str]) -> None:
    """Run the suite named in ``argv``, submit its results, print summary and leaderboard."""
    name, extra = parse_args(argv)
    runs = load_suite(name)
    root = Path(os.environ.get("EXACTBENCH_ROOT", "."))
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    suite_dir = root / "outputs" / "suite" / suite_path(name).stem / stamp
    outcomes, run_dirs = [], []
    for index, row in enumerate(runs):
        label = next((a.split("=", 1)[1] for a in row if a.startswith("baseline=")), "model")
        run_dirs.append(suite_dir / f"{index:02d}-{label}")
        outcomes.append((row, run_job(row, extra, run_dirs[-1])))
    table = summary_table(outcomes)
    suite_dir.mkdir(parents=True, exist_ok=True)
    (suite_dir / "summary.md").write_text(f"# Suite `{name}`\n\n{table}")
    print(f"\n{table}\nsummary: {suite_dir / 'summary.md'}\n")
    board = Board()
    finished = [d for d, (_, o) in zip(run_dirs, outcomes, strict=True) if not isinstance(o, str)]
    rejected = submit_all(board, finished, author="exactbench suite")
    print(markdown(ranked_tables(board.entries())))
    pages = export(board, root / "leaderboard" / "data" / "site")
    print(f"leaderboard page: {pages[1]}")
    if rejected or any(isinstance(outcome, str) for _, outcome in outcomes):
        raise SystemExit(1)
