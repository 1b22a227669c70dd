"""``exactbench suite [suite=NAME] [--jobs N] [overrides...]``: run a list of train/baseline jobs.

Runs ``conf/suite/NAME.yaml`` (default ``quick``) or a suite file of your own
(``suite=path/to/my_suite.yaml``); other arguments are overrides for every job. Each job is its
own process (a crash in one does not stop the others); independent jobs run side by side, one
per core by default (``--jobs N``), each with one BLAS/torch thread and one data worker, and the
jobs of an experiment start once its first job (which builds the shared data) has finished.

The console shows one line per finished job (index, task, method, primary metric, wall time,
✓ or the reason it failed), a live progress bar with elapsed and remaining time, and at the end
the ranked board of the suite's experiments, once. Every job's full output is in
``<run_dir>/job.log``; ``exactbench --verbose suite`` runs one job at a time with everything on
the console. Run records land under ``outputs/suite/<NAME>/<date-time>/<index>-<method>/``, the
summary (Markdown) beside them; every finished run is submitted to the leaderboard (re-scored on
the canonical split), which is exported to ``leaderboard/data/site/``. Exit status is non-zero
if any job failed or was rejected.

On a cluster, ``hydra/launcher=slurm`` (or ``local``; ``hydra.launcher.KEY=VALUE`` as for
``train -m``) submits every job as its own submitit job with the launcher's settings
(:mod:`bench.launch`); all jobs are queued at once (``--jobs N`` caps them), each with
``cpus_per_task`` threads, and the summary and the board are built from what the jobs wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from bench.cli import VERBOSE_ENV
from bench.launch import make_executor, split_launcher_overrides, submit
from leaderboard.configs import CONF_DIR
from leaderboard.record import RecordError, RunRecord, load_record
from tasks.spec import get_task


def parse_args(argv: list[str]) -> tuple[str, int | None, list[str]]:
    """Suite name (``suite=NAME``), parallel jobs (``--jobs N``) and the overrides for every job."""
    name, jobs, extra = "quick", None, []
    args = iter(argv)
    for arg in args:
        if arg.startswith("suite="):
            name = arg.split("=", 1)[1]
        elif arg == "--jobs":
            jobs = int(next(args, "1"))
        else:
            extra.append(arg)
    return name, jobs, extra


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


@dataclass
class Job:
    """One row of the suite and what became of it."""

    index: int
    row: list[str]
    run_dir: Path
    process: Any = None  # subprocess.Popen, or a submitted command polled the same way
    started: float = 0.0
    seconds: float = 0.0
    outcome: RunRecord | str | None = None

    @property
    def experiment(self) -> str:
        return next((a.split("=", 1)[1] for a in self.row if a.startswith("experiment=")), "")

    @property
    def label(self) -> str:
        return f"{self.experiment} {method_of(self.row)}"


def method_of(row: list[str]) -> str:
    """The baseline or model a suite row names (``model`` for an experiment's default)."""
    chosen = [a.split("=", 1)[1] for a in row if a.startswith(("baseline=", "model="))]
    return chosen[0] if chosen else "model"


def default_jobs() -> int:
    """Jobs side by side: one per available core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def start(job: Job, extra: list[str], verbose: bool, threads: int, executor: Any = None) -> None:
    """Launch one job (a local process, or a submitit job through ``executor``); its output
    goes to ``job.log`` unless ``verbose``."""
    command = [sys.executable, "-m", "bench.cli", *job.row, *extra, f"hydra.run.dir={job.run_dir}"]
    env = os.environ.copy()
    if not verbose:
        command.append("trainer.enable_progress_bar=false")
        env |= {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        env |= {"EXACTBENCH_WORKERS": str(threads), "WANDB_SILENT": "true"}
    job.run_dir.mkdir(parents=True, exist_ok=True)
    job.started = time.perf_counter()
    if executor is not None:
        job.process = submit(executor, command, env, job.run_dir / "job.log")
        return
    log = None if verbose else open(job.run_dir / "job.log", "w")  # noqa: SIM115
    job.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    if log is not None:
        log.close()  # the child holds its own descriptor


def finish(job: Job) -> None:
    """Read the record of a finished job, or the reason it failed."""
    job.seconds = time.perf_counter() - job.started
    status = job.process.returncode
    if status != 0:
        job.outcome = f"exit status {status}: {_last_line(job.run_dir / 'job.log')}"
        return
    try:
        job.outcome = load_record(job.run_dir)
    except RecordError as error:
        job.outcome = str(error)


def _last_line(path: Path) -> str:
    """The last non-empty line of a job log (where the error usually is), and where it is."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return f"{lines[-1][:160] if lines else 'no output'} (log: {path})"


def status_line(job: Job, total: int) -> str:
    """``[ 3/20] ✓ task  experiment method  metric=value  12.3 s`` (or ✗ and the reason)."""
    head = f"[{job.index + 1:>{len(str(total))}}/{total}]"
    if isinstance(job.outcome, str):
        return f"{head} ✗ {job.label}: {job.outcome}  {job.seconds:.1f} s"
    record = job.outcome
    metric = get_task(record.task).primary_metric
    return (
        f"{head} ✓ {record.task} {record.experiment} {record.method} ({record.kind}): "
        f"{metric}={record.metrics[metric]:.3e}, {job.seconds:.1f} s"
    )


def run_jobs(
    jobs: list[Job], extra: list[str], parallel: int, verbose: bool,
    executor: Any = None, threads: int | None = None,
) -> None:  # fmt: skip
    """Run every job, at most ``parallel`` at once, an experiment's first job before the rest;
    ``threads`` per job (default: the cores shared between the ``parallel`` jobs)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    threads = threads or max(1, default_jobs() // parallel)
    first = {}
    for job in jobs:
        first.setdefault(job.experiment, job)
    pending, running = list(jobs), []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("remaining"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=Console(), disable=verbose) as progress:
        bar = progress.add_task(f"suite ({parallel} at a time)", total=len(jobs))
        while pending or running:
            for job in list(pending):
                lead = first[job.experiment]
                if len(running) < parallel and (job is lead or lead.outcome is not None):
                    pending.remove(job)
                    running.append(job)
                    start(job, extra, verbose, threads, executor)
            time.sleep(0.2)
            for job in [j for j in running if j.process.poll() is not None]:
                running.remove(job)
                finish(job)
                progress.console.print(status_line(job, len(jobs)), highlight=False,
                                       soft_wrap=True)  # fmt: skip
                progress.advance(bar)


def summary_table(jobs: list[Job]) -> str:
    """Markdown table: accuracy and wall time of each job side by side.

    ``cost (s)`` is the wall time to produce the test predictions (training + inference);
    ``× baseline`` divides it by that of the task's default baseline on the same experiment in
    this suite, so the ratio compares timings measured on the same machine in the same run.
    """
    records = [job.outcome for job in jobs if isinstance(job.outcome, RunRecord)]
    reference = {
        (record.task, record.experiment): _cost(record)
        for record in records
        if record.kind != "model" and record.method == get_task(record.task).default_baseline
    }
    lines = [
        "| task | experiment | method | kind | metric | value | cost (s) | wall (s) | × baseline |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for job in jobs:
        if not isinstance(job.outcome, RunRecord):
            lines.append(f"| {' '.join(job.row)} | | | | FAILED | {job.outcome} | | | |")
            continue
        record = job.outcome
        metric = get_task(record.task).primary_metric
        base = reference.get((record.task, record.experiment))
        ratio = f"{_cost(record) / base:.3g}" if base else "n/a"
        lines.append(
            f"| {record.task} | {record.experiment} | {record.method} | {record.kind} | "
            f"{metric} | {record.metrics[metric]:.3e} | {_cost(record):.3g} | "
            f"{job.seconds:.3g} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


def _cost(record: RunRecord) -> float:
    return record.timings["train"] + record.timings["inference_total"]


def board_lines(tables) -> list[str]:
    """The ranked tables of the suite's experiments as one compact table."""
    lines = ["| task / experiment | metric | rank | method | kind | mean ± std | cost (s) |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for table in tables:
        arrow = "↓" if table.direction == "lower" else "↑"
        for rank, method, kind, _, value, cost, _ in table.rows:
            lines.append(
                f"| {table.task} / {table.experiment} | {table.metric} {arrow} | {rank} | "
                f"{method} | {kind} | {value} | {cost} |"
            )
    return lines


def cli(argv: list[str]) -> None:
    """Run the suite named in ``argv``, submit its results, print the board once."""
    from bench.leaderboard_cli import export
    from leaderboard.render import ranked_tables
    from leaderboard.store import Board
    from leaderboard.submit import SubmissionError, submit

    name, parallel, extra = parse_args(argv)
    launcher, extra = split_launcher_overrides(extra)
    verbose = bool(os.environ.get(VERBOSE_ENV)) and not launcher
    runs = load_suite(name)
    root = Path(os.environ.get("EXACTBENCH_ROOT", "."))
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    suite_dir = root / "outputs" / "suite" / suite_path(name).stem / stamp
    jobs = [
        Job(index, row, suite_dir / f"{index:02d}-{method_of(row)}")
        for index, row in enumerate(runs)
    ]
    executor, threads = None, None
    if launcher:  # the cluster schedules: every job may be queued at once
        executor, threads = make_executor(launcher, suite_dir / ".submitit")
        parallel = parallel or len(jobs)
    parallel = 1 if verbose else (parallel or default_jobs())
    print(f"suite {name}: {len(jobs)} jobs, logs and records under {suite_dir}", flush=True)
    started = time.perf_counter()
    run_jobs(jobs, extra, parallel, verbose, executor, threads)
    suite_dir.mkdir(parents=True, exist_ok=True)
    (suite_dir / "summary.md").write_text(f"# Suite `{name}`\n\n{summary_table(jobs)}")
    board, rejected = Board(), 0
    for job in jobs:
        if isinstance(job.outcome, RunRecord):
            try:
                submit(job.run_dir, board, author="exactbench suite")
            except SubmissionError as error:
                rejected += 1
                print(f"rejected by the board: {job.run_dir}: {error}")
    shown = {(job.outcome.task, job.outcome.experiment) for job in jobs
             if isinstance(job.outcome, RunRecord)}  # fmt: skip
    tables = [t for t in ranked_tables(board.entries()) if (t.task, t.experiment) in shown]
    pages = export(board, root / "leaderboard" / "data" / "site")
    failed = sum(not isinstance(job.outcome, RunRecord) for job in jobs)
    print("\n" + "\n".join(board_lines(tables)))
    print(
        f"\n{len(jobs) - failed}/{len(jobs)} jobs finished in {time.perf_counter() - started:.0f} s"
        f"; summary {suite_dir / 'summary.md'}; board page {pages[1]}"
    )
    if rejected or failed:
        raise SystemExit(1)
